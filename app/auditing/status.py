"""The system administrator's part of the dashboard on the audit log: the newest signed
checkpoint of the chain's head, how many entries were written since, and any checkpoint
that does not hold (`flask audit verify` walks the whole chain; the dashboard does not)."""

from __future__ import annotations

from app.auth.models import Role, User
from app.core.checkpoints import Status, checkpoint_status


def audit_overview(user: User) -> Status | None:
    if not user.has_role(Role.sysadmin):
        return None
    return checkpoint_status()
