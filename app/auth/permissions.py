"""Who may manage which account, and which roles they may hand out.

One answer per question, asked by the pages (what to offer) and by the services (what to
refuse), so a form never offers what a direct POST would be refused. `actor=None` is the
operator at the console (`flask users ...`), who may do everything.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.core.errors import NotAllowed

# What an agency administrator may grant; `sysadmin` is never one of them.
AGENCY_ROLES = frozenset(r for r in Role if r is not Role.sysadmin)


def can_administer(user: User) -> bool:
    """Opens the administration pages (users, policy, calendar of the user's agency)."""
    return user.has_role(Role.agency_admin) and not user.agency.is_platform


def is_platform_account(user: User) -> bool:
    """A system administrator, or anyone placed in the platform pseudo-agency."""
    return user.has_role(Role.sysadmin) or user.agency.is_platform


def can_manage_user(actor: User | None, target: User) -> bool:
    """An agency administrator manages the users of their own agency, never a platform
    account; system administrators are managed from the console."""
    if actor is None:
        return True
    if is_platform_account(target):
        return False
    return can_administer(actor) and actor.agency_id == target.agency_id


def require_create_in(actor: User | None, agency) -> None:
    """New accounts go into the administrator's own agency; the platform's come from the
    console only."""
    if actor is None:
        return
    if not (can_administer(actor) and actor.agency_id == agency.id):
        raise NotAllowed(_l("Only an administrator of the user's agency can do this."))


def grantable_roles(actor: User | None) -> frozenset[Role]:
    if actor is None:
        return frozenset(Role)
    return AGENCY_ROLES if can_administer(actor) else frozenset()


def require_manage_user(actor: User | None, target: User) -> None:
    if can_manage_user(actor, target):
        return
    if is_platform_account(target):
        raise NotAllowed(
            _l("System administrators are managed by the platform operators, not here.")
        )
    raise NotAllowed(_l("Only an administrator of the user's agency can do this."))


def require_role_change(actor: User | None, before: set[Role], after: set[Role]) -> None:
    """Every role granted or removed must be one the actor may hand out."""
    refused = (set(before) ^ set(after)) - grantable_roles(actor)
    if refused:
        from app.core.labels import label

        names = ", ".join(str(label(r)) for r in sorted(refused))
        raise NotAllowed(_l("You cannot grant or remove the role %(roles)s.", roles=names))
