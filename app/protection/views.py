"""Pages for the complainant's identity, access grants and conflict declarations."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.models import Role
from app.cases.page import refused_on_case_page
from app.cases.permissions import get_case_or_404, is_supervisor_of
from app.core.errors import InvalidInput
from app.core.identifiers import mask_id_number
from app.core.ids import db_int
from app.core.pages import run_step
from app.extensions import db
from app.protection import bp
from app.protection.conflicts import (
    KIND_LABELS,
    case_declarations,
    declare_conflicts,
    latest_declaration,
)
from app.protection.identity import (
    grant_complainant_access,
    may_see_complainant,
    revoke_complainant_access,
)
from app.protection.models import CONFLICT_KINDS


def protection_for_case(case, user) -> dict:
    """What the case-page section shows and offers to this user."""
    on_team = case.member_for(user) is not None
    may_declare = (
        user.agency_id == case.agency_id
        and user.has_role(Role.officer, Role.supervisor)
        and not case.is_terminal
    )
    return {
        "may_see_complainant": may_see_complainant(case, user),
        "is_supervisor": is_supervisor_of(user, case),
        "may_grant": not case.is_terminal,
        "on_team": on_team,
        "masked_ids": (
            [(p, mask_id_number(p.id_number)) for p in case.respondents] if on_team else []
        ),
        "declarations": case_declarations(case),
        "my_declaration": latest_declaration(case, user) if may_declare else None,
        "may_declare": may_declare,
        "kinds": [(k, KIND_LABELS[k]) for k in CONFLICT_KINDS],
        "kind_labels": KIND_LABELS,
    }


@bp.route("/cases/<reference>/complainant")
@login_required
def complainant(reference: str):
    from app.protection.identity import complainant_view

    case = get_case_or_404(reference, current_user)
    identity = complainant_view(case, current_user, via="page")
    if identity is None:
        abort(403 if case.complainant is not None else 404)
    db.session.commit()
    response = render_template("protection/complainant.html", case=case, identity=identity)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/cases/<reference>/complainant-access", methods=["POST"])
@login_required
def complainant_access(reference: str):
    case = get_case_or_404(reference, current_user, need="supervise")
    member_id = request.form.get("member_id", type=db_int) or 0
    change = (
        grant_complainant_access if request.form.get("grant") == "1" else revoke_complainant_access
    )
    return _finish(reference, lambda: change(case, member_id, current_user), "complainant_access")


@bp.route("/cases/<reference>/conflicts", methods=["POST"])
@login_required
def declare(reference: str):
    case = get_case_or_404(reference, current_user)
    kinds = request.form.getlist("kinds")

    def action():
        if request.form.get("none") == "1" and kinds:
            raise InvalidInput(
                _("Either tick the conflicts or declare that there are none, not both.")
            )
        if request.form.get("none") != "1" and not kinds:
            raise InvalidInput(_("Tick the conflicts you have, or declare that there are none."))
        declare_conflicts(case, current_user, kinds, request.form.get("details"))

    return _finish(reference, action, "conflicts")


def _finish(reference: str, action, form_name: str):
    """A step from the protection section of the case page; refused, that page again."""
    return run_step(
        action,
        refused=refused_on_case_page(reference, form_name),
        to=url_for("cases.detail", reference=reference),
        done=_("Saved."),
        page_shows_error=True,
    )
