"""Related matters at registration: a respondent's other cases (only those the registrant may
see) and records in force (named where the registrant may see them, else only said to
exist)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.cases.hints import respondent_hashes
from app.cases.models import Case, CaseState
from app.records.related import records_in_force
from app.records.services import approve_record, draft_record, suggested_draft
from tests.ui_helpers import registration_form, sign_in

ZHANG = {
    "respondents-0-name": "张伟",
    "respondents-0-party_type": "person",
    "respondents-0-id_type": "resident_id",
    "respondents-0-id_number": "31010119800101123X",  # make_case's respondent
    "respondents-0-institution": "复旦大学",
}
STRANGER = {**ZHANG, "respondents-0-name": "陈明", "respondents-0-id_number": "110101199003077578"}


def _check(client, respondents: dict, **extra) -> str:
    form = registration_form()
    for key in [k for k in form if k.startswith("respondents-")]:
        del form[key]
    form.update(respondents, add="hint", **extra)
    page = client.post("/cases/new", data=form)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _publish(db, make_case, make_user, agency: str, **changes):
    case = make_case(agency=agency, state=CaseState.decided)
    data = suggested_draft(case, case.respondents[0])
    for key, value in changes.items():
        setattr(data, key, value)
    record = draft_record(case, case.created_by, data)
    admin = make_user(agency, roles=("agency_admin",))
    approve_record(record, admin)
    db.session.flush()
    return case, record, admin


def test_the_registrant_sees_the_respondents_other_cases_they_may_see(
    client, db, make_case, make_user
):
    own = make_case(agency="SH")
    elsewhere = make_case(agency="JS")
    officer = make_user("SH", roles=("officer",))
    sign_in(client, officer)
    before = db.session.scalar(select(func.count()).select_from(Case))

    html = _check(client, ZHANG)
    assert 'data-testid="related-matters"' in html
    assert own.reference in html and f'href="/cases/{own.reference}"' in html
    assert elsewhere.reference not in html  # another agency's case is not theirs to know of
    assert db.session.scalar(select(func.count()).select_from(Case)) == before  # a check only

    assert 'data-testid="related-matters"' not in _check(client, STRANGER)


def test_a_record_in_force_is_named_and_linked(client, db, make_case, make_user):
    _case, record, _admin = _publish(db, make_case, make_user, "JS")
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    html = _check(client, ZHANG)
    assert f"Integrity record {record.id} in force" in html
    assert f'href="/records/{record.id}"' in html


def test_an_ended_or_draft_record_is_not_in_force(client, db, make_case, make_user):
    ended = {"effective_date": dt.date(2019, 1, 1), "term_end": dt.date(2020, 12, 31)}
    _publish(db, make_case, make_user, "JS", **ended)
    draft_case = make_case(agency="ZJ", state=CaseState.decided)
    data = suggested_draft(draft_case, draft_case.respondents[0])
    draft_record(draft_case, draft_case.created_by, data)
    db.session.flush()
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    html = _check(client, ZHANG)
    assert "in force" not in html


def test_a_record_the_user_may_not_see_is_only_said_to_exist(app, db, make_case, make_user):
    _case, record, _admin = _publish(db, make_case, make_user, "JS")
    member = make_user("SH", roles=("committee_member",))  # no role that reads records
    with app.test_request_context():
        from flask_babel import force_locale

        hashes = respondent_hashes([_Typed("张伟", "31010119800101123X")])
        with force_locale("en"):
            found = records_in_force(member, hashes)
    assert [(m.respondent, m.text, m.url) for m in found] == [
        ("张伟", "A record in force exists", None)
    ]
    assert str(record.id) not in found[0].text


def test_a_malformed_id_number_matches_nothing(app):
    with app.test_request_context():
        assert respondent_hashes([_Typed("张伟", "31010119800101123")]) == {}


class _Typed:
    party_type = "person"
    id_type = "resident_id"
    position = None

    def __init__(self, name: str, id_number: str) -> None:
        self.name, self.id_number = name, id_number
