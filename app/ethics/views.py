"""Pages of ethics review: the applications a user sees, one application with its items,
files, notices, versions and review, and the authority's units, list and policy."""

from __future__ import annotations

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from app.auth.models import Role
from app.committees.models import Panel, PanelKind
from app.core import audit
from app.core.pages import run_step
from app.ethics import appeals, bp, followup, items, policy, rereview, reviewing, services
from app.ethics import permissions as perm
from app.ethics.models import (
    Application,
    Attachment,
    CustodyAction,
    Entrustment,
    ListedActivity,
    Procedure,
    Unit,
    UnitKind,
    UnitRole,
    UnitUser,
)
from app.evidence import storage
from app.extensions import db

PER_PAGE = 25
SORTS = {
    "new": Application.id.desc(),
    "old": Application.id.asc(),
    "title": Application.title.asc(),
}


def load_application(reference: str, need: str = perm.FULL) -> tuple[Application, str]:
    """The application and the user's level, or 404 (not visible) / 403 (summary only)."""
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    level = perm.level_of(current_user, application.id) if application else None
    if level is None:
        abort(404)
    if need == perm.FULL and level != perm.FULL:
        abort(403)
    return application, level


@bp.route("/")
@login_required
def applications():
    if not perm.may_see_ethics(current_user):
        abort(403)
    q = (request.args.get("q") or "").strip()[:100]
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "new"
    query = perm.visible_applications(current_user)
    if q:
        query = query.where(or_(Application.title.contains(q), Application.reference.contains(q)))
    page = db.paginate(query.order_by(SORTS[sort]), per_page=PER_PAGE, error_out=False)
    return render_template(
        "ethics/applications.html",
        page=page,
        q=q,
        sort=sort,
        may_apply=perm.unit_of(current_user, UnitRole.applicant) is not None,
    )


@bp.route("/new", methods=["POST"])
@login_required
def new_application():
    return run_step(
        lambda: services.create_application(current_user, request.form.get("title")),
        refused=lambda err: applications(),
        to=lambda a: url_for("ethics.application", reference=a.reference),
        done=_("Application opened. Fill in every item, attach the files, then submit."),
    )


def _detail_data(application: Application, level: str) -> dict:
    from app.ethics.clocks import is_overdue

    data = {"application": application, "level": level, "items": items.ITEMS}
    data["overdue"] = is_overdue(application)
    if level != perm.FULL:
        return data
    data.update(
        attachments=services.current_attachments(application),
        notices=services.notices_of(application),
        versions=services.versions_of(application),
        missing=services.missing_items(application),
        listed=list(db.session.scalars(select(ListedActivity).where(ListedActivity.active))),
        may_edit=perm.is_applicant_of(current_user, application),
        is_office=perm.is_office_of(current_user, application),
        members=reviewing.members_of(application),
        me=reviewing.member_of(application, current_user),
        decisions=reviewing.DECISION_LABELS,
        procedures=list(Procedure),
    )
    if application.procedure is not None and application.panel is not None:
        data["count"] = reviewing.tally(application)
    from app.ethics.letters import letter_of

    data["letter"] = letter_of(application)
    data["appeals"] = appeals.appeals_of(application)
    data["rounds"] = appeals.rounds_of(application)
    data["followups"] = followup.followups_of(application)
    return data


def _rereview_data(application: Application) -> dict:
    review = rereview.rereview_of(application)
    data = {"rereview": review, "may_file": False, "organiser": False, "my_seat": None}
    if review is None:
        data["may_file"] = application.state.value == "preliminary" and (
            perm.is_applicant_of(current_user, application)
            or perm.is_office_of(current_user, application)
        )
        return data
    data["organiser"] = (
        current_user.has_role(Role.supervisor) and current_user.agency_id == review.agency_id
    )
    data["my_seat"] = rereview.seat_of(review, current_user)
    if data["organiser"] and review.state.value == "filed":
        data["eligible"] = rereview.eligible_experts(review)
    return data


@bp.route("/<reference>")
@login_required
def application(reference: str):
    application, level = load_application(reference, need=perm.SUMMARY)
    me = reviewing.member_of(application, current_user)
    return render_template(
        "ethics/application.html",
        **_detail_data(application, level),
        **_rereview_data(application),
        undeclared=me,
        may_record=_may_record(application),
    )


def _step(reference: str, action, done: str):
    """A step of whoever sees the application; the service says whether it is theirs."""
    application, _level = load_application(reference, need=perm.SUMMARY)
    return run_step(
        lambda: action(application),
        refused=lambda err: _refused_page(reference),
        to=url_for("ethics.application", reference=reference),
        done=done,
    )


def _refused_page(reference: str):
    application, level = load_application(reference, need=perm.SUMMARY)
    return render_template(
        "ethics/application.html",
        **_detail_data(application, level),
        **_rereview_data(application),
        undeclared=reviewing.member_of(application, current_user),
        may_record=_may_record(application),
    )


def _may_record(application) -> bool:
    from app.ethics.review_record import may_read

    return may_read(current_user, application)


@bp.route("/<reference>/edit", methods=["POST"])
@login_required
def edit(reference: str):
    return _step(
        reference,
        lambda a: services.update_application(
            current_user, a, request.form.to_dict(), request.form.get("version")
        ),
        _("Application saved."),
    )


@bp.route("/<reference>/attach", methods=["POST"])
@login_required
def attach(reference: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _step(reference, lambda a: _no_file(), "")
    return _step(
        reference,
        lambda a: services.add_attachment(
            current_user,
            a,
            request.form.get("item"),
            services.Upload(upload.stream, upload.filename),
        ),
        _("File attached."),
    )


def _no_file():
    from app.core.errors import InvalidInput

    raise InvalidInput(_("Choose a file."), field="file")


@bp.route("/<reference>/files/<int:attachment_id>")
@login_required
def download(reference: str, attachment_id: int):
    application, _level = load_application(reference)
    row = db.session.get(Attachment, attachment_id)
    if row is None or row.application_id != application.id:
        abort(404)
    services.record_custody(row, CustodyAction.downloaded, current_user)
    audit.record(
        "ethics.app.download",
        actor=current_user,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, "sha256": row.blob_sha256},
    )
    db.session.commit()
    return send_file(
        storage.blob_path(row.blob_sha256),
        mimetype=row.blob.mime_type,
        as_attachment=True,
        download_name=storage.download_name(row.original_name, row.blob.mime_type),
    )


@bp.route("/<reference>/files/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_file(reference: str, attachment_id: int):
    def act(application):
        row = db.session.get(Attachment, attachment_id)
        if row is None or row.application_id != application.id:
            abort(404)
        services.remove_attachment(current_user, row)

    return _step(reference, act, _("File removed."))


@bp.route("/<reference>/submit", methods=["POST"])
@login_required
def submit(reference: str):
    return _step(
        reference,
        lambda a: services.submit_application(current_user, a, request.form.get("version")),
        _("Application submitted to the committee."),
    )


@bp.route("/<reference>/accept", methods=["POST"])
@login_required
def accept(reference: str):
    def act(application):
        services.accept_application(current_user, application, request.form.get("procedure"))
        reviewing.open_review(application, request.form.getlist("members"))

    return _step(reference, act, _("Application accepted."))


@bp.route("/<reference>/return", methods=["POST"])
@login_required
def return_(reference: str):
    return _step(
        reference,
        lambda a: services.return_application(
            current_user, a, request.form.getlist("missing"), request.form.get("note")
        ),
        _("Application returned with the missing-items notice."),
    )


@bp.route("/<reference>/declare", methods=["POST"])
@login_required
def declare(reference: str):
    application, _level = load_application(reference, need=perm.SUMMARY)
    return run_step(
        lambda: reviewing.declare(
            current_user,
            application,
            request.form.get("conflict") == "yes",
            request.form.get("note"),
        ),
        refused=lambda err: _refused_page(reference),
        to=url_for("ethics.application", reference=reference),
        done=_("Declaration recorded."),
    )


_REVIEW_STEPS = {
    "propose": (
        lambda a, f: reviewing.propose(current_user, a, f.get("decision"), f.get("meeting_date")),
        "Decision put to the members.",
    ),
    "vote": (
        lambda a, f: reviewing.vote(current_user, a, f.get("choice"), f.get("opinion")),
        "Vote recorded.",
    ),
    "attendance": (
        lambda a, f: reviewing.record_attendance(current_user, a, f.getlist("present")),
        "Attendance recorded.",
    ),
    "close": (
        lambda a, f: reviewing.close_review(current_user, a, f.get("reasons"), f.get("minutes")),
        "Decision taken.",
    ),
    "to-meeting": (
        lambda a, f: reviewing.send_to_meeting(current_user, a, f.get("reason")),
        "Sent to a meeting of the committee.",
    ),
    "recuse": (
        lambda a, f: reviewing.recuse(current_user, a, f.get("member_id"), f.get("reason")),
        "Member recused.",
    ),
    "extend": (
        lambda a, f: appeals.extend_decision(current_user, a, f.get("new_date"), f.get("reason")),
        "Time to decide extended.",
    ),
    "followup": (
        lambda a, f: followup.file_followup(current_user, a, f.get("kind"), f.get("text")),
        "Filed.",
    ),
    "interval": (
        lambda a, f: followup.set_interval(current_user, a, f.get("months")),
        "Follow-up interval set.",
    ),
    "stop": (
        lambda a, f: followup.stop_activity(
            current_user, a, f.get("terminate") == "yes", f.get("reason")
        ),
        "Activity stopped.",
    ),
    "appeal": (
        lambda a, f: appeals.lodge_appeal(current_user, a, f.get("grounds")),
        "Appeal lodged.",
    ),
    "appeal-answer": (
        lambda a, f: appeals.answer_appeal(
            current_user, a, f.get("upheld") == "yes", f.get("answer")
        ),
        "Appeal answered.",
    ),
}


@bp.route("/<reference>/review/<step>", methods=["POST"])
@login_required
def review_step(reference: str, step: str):
    if step not in _REVIEW_STEPS:
        abort(404)
    action, done = _REVIEW_STEPS[step]
    return _step(reference, lambda a: action(a, request.form), _(done))


# --- the authority's units, list and policy ------------------------------------------


def _require_admin():
    if not perm.may_manage_units(current_user):
        abort(403)


def _units_page():
    units = list(
        db.session.scalars(
            select(Unit).where(Unit.agency_id == current_user.agency_id).order_by(Unit.name)
        )
    )
    counts = dict(
        db.session.execute(
            select(UnitUser.unit_id, func.count())
            .where(UnitUser.unit_id.in_([u.id for u in units]))
            .group_by(UnitUser.unit_id)
        ).all()
    )
    return render_template("ethics/units.html", units=units, counts=counts, kinds=list(UnitKind))


@bp.route("/units", methods=["GET", "POST"])
@login_required
def units():
    _require_admin()
    if request.method == "GET":
        return _units_page()
    return run_step(
        lambda: services.create_unit(
            current_user, request.form.get("name"), request.form.get("kind")
        ),
        refused=lambda err: _units_page(),
        to=lambda u: url_for("ethics.unit", unit_id=u.id),
        done=_("Research unit added."),
    )


def _unit_or_404(unit_id: int) -> Unit:
    _require_admin()
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.agency_id != current_user.agency_id:
        abort(404)
    return unit


def _unit_page(unit: Unit):
    people = list(db.session.scalars(select(UnitUser).where(UnitUser.unit_id == unit.id)))
    panels = list(
        db.session.scalars(
            select(Panel).where(
                Panel.agency_id == unit.agency_id, Panel.kind == PanelKind.ethics, Panel.active
            )
        )
    )
    entrustments = list(
        db.session.scalars(
            select(Entrustment).where(Entrustment.unit_id == unit.id).order_by(Entrustment.id)
        )
    )
    return render_template(
        "ethics/unit.html",
        unit=unit,
        people=people,
        panels=panels,
        entrustments=entrustments,
        roles=list(UnitRole),
    )


@bp.route("/units/<int:unit_id>")
@login_required
def unit(unit_id: int):
    return _unit_page(_unit_or_404(unit_id))


_UNIT_STEPS = {
    "user": (
        lambda u, f: services.add_unit_user(
            current_user,
            u,
            f.get("username"),
            f.get("display_name"),
            f.get("password"),
            f.getlist("roles"),
        ),
        "Account added.",
    ),
    "committee": (
        lambda u, f: services.set_unit_committee(current_user, u, f.get("panel_id")),
        "Committee set.",
    ),
    "entrust": (
        lambda u, f: services.entrust(
            current_user,
            u,
            f.get("panel_id"),
            f.get("scope"),
            f.get("document_ref"),
            f.get("starts_on"),
            f.get("ends_on"),
            f.get("excludes_listed") == "yes",
        ),
        "Entrustment recorded.",
    ),
}


@bp.route("/units/<int:unit_id>/<step>", methods=["POST"])
@login_required
def unit_step(unit_id: int, step: str):
    unit = _unit_or_404(unit_id)
    if step not in _UNIT_STEPS:
        abort(404)
    action, done = _UNIT_STEPS[step]
    return run_step(
        lambda: action(unit, request.form),
        refused=lambda err: _unit_page(_unit_or_404(unit_id)),
        to=url_for("ethics.unit", unit_id=unit_id),
        done=_(done),
    )


def _list_page():
    rows = list(db.session.scalars(select(ListedActivity).order_by(ListedActivity.code)))
    return render_template("ethics/listed.html", rows=rows)


@bp.route("/list", methods=["GET", "POST"])
@login_required
def listed():
    if request.method == "GET":
        if not perm.may_see_ethics(current_user):
            abort(403)
        return _list_page()
    _require_admin()
    f = request.form
    return run_step(
        lambda: services.add_listed_activity(
            current_user, f.get("code"), f.get("title_zh"), f.get("title_en")
        ),
        refused=lambda err: _list_page(),
        to=url_for("ethics.listed"),
        done=_("Added to the list."),
    )


def _policy_page():
    return render_template(
        "ethics/policy.html",
        settings=policy.SETTINGS,
        values=policy.values(current_user.agency_id),
        decisions=reviewing.DECISION_LABELS,
        decision_sources=policy.DECISION_SOURCES,
        may_edit=perm.may_manage_units(current_user),
    )


@bp.route("/policy", methods=["GET", "POST"])
@login_required
def policy_page():
    if not perm.may_see_ethics(current_user):
        abort(403)
    if request.method == "GET":
        return _policy_page()
    _require_admin()
    return run_step(
        lambda: policy.update_policy(current_user.agency_id, request.form.to_dict(), current_user),
        refused=lambda err: _policy_page(),
        to=url_for("ethics.policy_page"),
        done=_("Policy saved."),
    )


@bp.app_template_filter("ethics_item")
def ethics_item(key: str) -> str:
    return str(items.item_label(key))


@bp.app_template_filter("ethics_decision")
def ethics_decision(key) -> str:
    return str(reviewing.DECISION_LABELS.get(key, "—")) if key else "—"


@bp.route("/<reference>/letter")
@login_required
def letter(reference: str):
    from app.ethics.letters import letter_of, letter_path

    application, _level = load_application(reference)
    row = letter_of(application)
    if row is None or row.path is None:
        abort(404)
    audit.record(
        "ethics.letter.downloaded",
        actor=current_user,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, "number": row.number},
    )
    db.session.commit()
    return send_file(
        letter_path(row),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{application.reference}-decision.pdf",
    )


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """Decision letters are signed documents (`SIGNED_KIND`), verified with every other on
    the platform's one verify page; the old address sends there (a POST keeps its file)."""
    from flask import redirect

    return redirect(url_for("reports.verify"), code=308 if request.method == "POST" else 301)


def _panel_choices(form) -> list[tuple[int, str]]:
    chosen = []
    for value in form.getlist("experts"):
        expert_id, _sep, category = value.partition(":")
        if expert_id.isdigit():
            chosen.append((int(expert_id), category))
    return chosen


def _review_of(application):
    row = rereview.rereview_of(application)
    if row is None:
        abort(404)
    return row


_REREVIEW_STEPS = {
    "file": (lambda a, f: rereview.file_rereview(current_user, a), "Re-review filed."),
    "panel": (
        lambda a, f: rereview.form_panel(current_user, _review_of(a), _panel_choices(f)),
        "Re-review panel formed.",
    ),
    "seat": (
        lambda a, f: rereview.answer_seat(current_user, _review_of(a), f.get("accept") == "yes"),
        "Answer recorded.",
    ),
    "declare": (
        lambda a, f: rereview.declare(
            current_user, _review_of(a), f.get("conflict") == "yes", f.get("note")
        ),
        "Declaration recorded.",
    ),
    "vote": (
        lambda a, f: rereview.vote(current_user, _review_of(a), f.get("answer"), f.get("opinion")),
        "Vote recorded.",
    ),
    "close": (
        lambda a, f: rereview.close_rereview(current_user, _review_of(a), f.get("reasons")),
        "Re-review answered.",
    ),
    "issue": (
        lambda a, f: rereview.issue_after_rereview(current_user, a, f.get("reasons")),
        "Decision taken.",
    ),
}


@bp.route("/<reference>/rereview/<step>", methods=["POST"])
@login_required
def rereview_step(reference: str, step: str):
    if step not in _REREVIEW_STEPS:
        abort(404)
    action, done = _REREVIEW_STEPS[step]
    return _step(reference, lambda a: action(a, request.form), _(done))


@bp.route("/overdue")
@login_required
def overdue():
    """The committee office's queue of overdue follow-ups."""
    if perm.unit_of(current_user, UnitRole.office) is None:
        abort(403)
    return render_template("ethics/overdue.html", rows=followup.overdue_for_office(current_user))


@bp.route("/decisions-overdue")
@login_required
def decisions_overdue():
    """Applications whose decision is overdue: the committee office's queue and the
    authority's (its units' applications, as summaries)."""
    from app.ethics import clocks

    if not clocks.may_see_overdue(current_user):
        abort(403)
    return render_template(
        "ethics/decisions_overdue.html", rows=clocks.overdue_for(current_user), due=clocks.due_text
    )


ACTIVITY_LABELS = {
    "active": _l("Under way"),
    "suspended": _l("Suspended"),
    "terminated": _l("Terminated"),
    "completed": _l("Completed"),
    "report": _l("Follow-up report"),
    "amendment": _l("Amendment"),
    "event": _l("Reportable event (serious adverse event, deviation)"),
    "final": _l("Final report"),
    "suspend": _l("Suspended by the committee"),
    "terminate": _l("Terminated by the committee"),
}


@bp.app_template_filter("ethics_activity")
def ethics_activity(key) -> str:
    return str(ACTIVITY_LABELS.get(key, "—"))
