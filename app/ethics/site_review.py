"""A site's confirmation by the simplified procedure (协作审查, 互认): the site's committee
office names members of its own committee (the policy's `simplified_members`, as for an
application's simplified review); each declares before any material (a conflict recuses
them) and answers — recognise, recognise with local conditions, decline with reasons — or
asks for a meeting. When every named member not recused answers alike, the site confirms
with that answer (and it travels to the lead as an office's answer does); when they differ,
or one asks for a meeting, or all are recused, the committee meets and its office records
the meeting's answer (`sites.record_meeting_answer`).

The members' part is committees' own (`app.committees.members`), kept under the subject
`ethics_site`. Their answer is stored as a committee vote: recognise is an endorsement, with
conditions an endorsement whose opinion holds the conditions, decline a return with the
reasons, and a request for a meeting an abstention with its reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.committees import members as panel_members
from app.committees.models import ConflictKind, Expert, PanelSeat, ReviewMember
from app.committees.rules import Choice, SeatRole
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.core.models import utcnow
from app.ethics import policy, reviewing, sites
from app.ethics.site_models import Site, SiteStatus
from app.extensions import db

SUBJECT = "ethics_site"
MEETING = "meeting"
# The answer as a vote: (choice, whether the opinion is the conditions).
_AS_VOTE = {
    SiteStatus.recognised: Choice.endorse,
    SiteStatus.conditions: Choice.endorse,
    SiteStatus.declined: Choice.return_,
    MEETING: Choice.abstain,
}
ANSWER_LABELS = {
    SiteStatus.recognised: _l("Recognise"),
    SiteStatus.conditions: _l("Recognise with local conditions"),
    SiteStatus.declined: _l("Decline"),
    MEETING: _l("Send it to a meeting of the committee"),
}


def open_site_ids():
    """Sites whose confirmation is open: a seat named in one cannot end (committees ask)."""
    return select(Site.id).where(Site.status == SiteStatus.awaiting)


def members_of(site: Site) -> list[ReviewMember]:
    return panel_members.members_of(SUBJECT, site.id)


def member_of(site: Site, user: User) -> ReviewMember | None:
    return panel_members.member_of(SUBJECT, site.id, user)


def named_site_ids(user: User):
    """The sites whose confirmation the user was named to."""
    return (
        select(ReviewMember.subject_id)
        .join(PanelSeat, PanelSeat.id == ReviewMember.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(ReviewMember.subject == SUBJECT, Expert.user_id == user.id)
    )


def declared_site_ids(user: User):
    """The sites whose lead material the member may read (declared no conflict)."""
    return panel_members.declared_ids(SUBJECT, user)


def _require_open(site: Site) -> None:
    if site.status is not SiteStatus.awaiting:
        raise GuardFailed(
            _l(
                "The site has answered already: %(status)s.",
                status=sites.status_label(site.status),
            ),
            code="already_confirmed",
        )
    if not site.updates:
        raise GuardFailed(_l("The lead has not decided yet."), code="not_decided")


def name_members(actor: User, site: Site, seat_ids) -> list[ReviewMember]:
    """The site's office names members of its own committee, once."""
    sites.require_site_office(actor, site)
    _require_open(site)
    if members_of(site):
        raise GuardFailed(_l("The members are named already."), code="already_named")
    chosen = reviewing.named_seats(site.panel, site.panel.agency_id, seat_ids)
    panel_members.seat_members(SUBJECT, site.id, chosen, named=True)
    named = members_of(site)
    from app.ethics import site_handoffs

    site_handoffs.to_members(site, [m.seat.expert.user for m in named], actor)
    sites.audit_site("ethics.site.name_members", actor, site, {"members": len(named)})
    return named


def _member(actor: User, site: Site) -> ReviewMember:
    member = member_of(site, actor)
    if member is None:
        raise NotAllowed(_l("Only a member named for this site answers."), code="not_named")
    _require_open(site)
    return member


def declare(actor: User, site: Site, conflict: bool, note=None) -> ReviewMember:
    """The named member's declaration, before any material: a conflict recuses them."""
    member = _member(actor, site)
    panel_members.require_undeclared(member.declared_at)
    note = panel_members.conflict_note(conflict, note)
    panel_members.mark_declared(member, actor, ConflictKind.other if conflict else None, note)
    db.session.flush()
    sites.audit_site("ethics.site.declare", actor, site, {"conflict": bool(conflict)})
    if member.recused:
        from app.ethics import site_handoffs

        site_handoffs.member_done(site, [actor.id])
    _settle(actor, site)
    return member


def answer(actor: User, site: Site, status, text=None) -> ReviewMember:
    """A named member's answer, once, after declaring no conflict."""
    member = _member(actor, site)
    panel_members.require_may_vote(
        declared=member.declared_at is not None,
        recused=member.recused,
        voted=member.voted_at is not None,
    )
    status = MEETING if status == MEETING else _status(status)
    text = (text or "").strip()
    if status is not SiteStatus.recognised and not text:
        raise InvalidInput(
            _l("Give the local conditions, the reasons for declining or why it needs a meeting."),
            field="text",
        )
    if len(text) > sites.MAX_TEXT:
        raise InvalidInput(_l("At most 5000 characters."), field="text")
    member.choice = _AS_VOTE[status]
    member.opinion = text or None
    member.voted_at = utcnow()
    db.session.flush()
    sites.audit_site("ethics.site.answer", actor, site, {"member": member.id, "answer": status})
    from app.ethics import site_handoffs

    site_handoffs.member_done(site, [actor.id])
    _settle(actor, site)
    return member


def _status(value) -> SiteStatus:
    try:
        status = SiteStatus(value)
    except ValueError:
        status = None
    if status not in sites.ANSWERS:
        raise InvalidInput(
            _l("Choose recognise, recognise with conditions, decline or a meeting."),
            field="status",
        )
    return status


def answer_of(member: ReviewMember):
    """What a member answered: a `SiteStatus`, `MEETING` or None."""
    if member.voted_at is None or member.choice is None:
        return None
    if member.choice is Choice.abstain:
        return MEETING
    if member.choice is Choice.return_:
        return SiteStatus.declined
    return SiteStatus.conditions if member.opinion else SiteStatus.recognised


def state(site: Site) -> dict:
    """Where the simplified procedure stands: `named` (any members), `agreed` (the common
    answer, once every member not recused gave it) and `meeting` (the committee must meet:
    a member asked, the answers differ, or every member is recused)."""
    named = members_of(site)
    voting = [m for m in named if not m.recused]
    answers = [answer_of(m) for m in voting]
    meeting = bool(named) and (
        not voting or MEETING in answers or (None not in answers and len(set(answers)) > 1)
    )
    agreed = None
    if voting and not meeting and None not in answers:
        agreed = answers[0]
    return {"named": bool(named), "agreed": agreed, "meeting": meeting}


def _settle(actor: User, site: Site) -> None:
    """All named members agree: the site confirms with their answer."""
    agreed = state(site)["agreed"]
    if agreed is None:
        return
    voting = [m for m in members_of(site) if not m.recused]
    texts = list(dict.fromkeys(m.opinion for m in voting if m.opinion))
    names = "、".join(m.seat.expert.name for m in voting)
    committee = site.panel.name if site.panel is not None else ""
    sites.confirm(actor, site, agreed, "\n".join(texts) or None, f"{names} ({committee})")


def member_rows(site: Site) -> list[dict]:
    """Each named member as the site's committee sees them: declared, recused, the answer
    and its text (the conflict's note stays with the member)."""
    return [
        {
            "id": m.id,
            "name": m.seat.expert.name,
            "declared": m.declared_at is not None,
            "recused": m.recused,
            "answer": answer_of(m),
            "text": m.opinion if m.voted_at is not None else None,
        }
        for m in members_of(site)
    ]


def page_data(site: Site, user: User) -> dict:
    """What the procedure shows, to the site's committee only: its office and the named
    members (the page and the API both show this and nothing else). Anyone else who sees
    the site (the lead's office and applicant) gets `committee` False."""
    me = member_of(site, user)
    office = sites.is_site_office(user, site)
    if not (office or me):
        return {"committee": False, "me": None}
    seats = []
    if office and site.panel is not None:
        seats = [
            s for s in reviewing.seats_in_term(site.panel) if s.role is not SeatRole.consultant
        ]
    return {
        "committee": True,
        "office": office,
        "me": me,
        "may_read": bool(office or (me is not None and me.declared_at and not me.recused)),
        "members": member_rows(site),
        "state": state(site),
        "seats": seats,
        "wanted": policy.value(site.panel.agency_id, "simplified_members")
        if site.panel is not None
        else None,
        "answer_labels": ANSWER_LABELS,
    }


def procedure_of(site: Site, user: User) -> dict:
    """`page_data` for one who must be of the site's committee (the API's reading)."""
    data = page_data(site, user)
    if not data["committee"]:
        raise NotAllowed(
            _l("Only the site committee's office and its named members see the procedure."),
            code="not_a_site",
        )
    return data
