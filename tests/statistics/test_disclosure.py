"""The region's figures single out no case (issue 20, item 5): names of institutions with a
small count are not shown, a withheld count does not follow from shown ones, and ranges of
days cannot be differenced. Each attack as it was made, through the page, the API, the CSV,
the Excel workbook and the annual report alike."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess

import pytest
from openpyxl import load_workbook

from app.cases.models import CaseState, PartyType
from app.cases.services import RespondentInput
from app.statistics.disclosure import THRESHOLD
from app.statistics.figures import FIGURES, Figure
from app.statistics.tables import build_table

YEAR = 2026
API = "/api/v1/statistics"
LONE = ("江南大学", "安徽大学")  # one case each on 2026-02-05


@pytest.fixture
def api(client, db):
    """api(user) -> a client sending `user`'s bearer token, as in tests/api."""
    from app.auth.services import create_token
    from tests.api.conftest import ApiClient

    def make(user) -> ApiClient:
        token = create_token(user)
        db.session.commit()
        return ApiClient(client, db, token)

    return make


def _institution(name: str) -> list[RespondentInput]:
    return [RespondentInput(name=name, party_type=PartyType.institution)]


@pytest.fixture
def lone_cases(make_case):
    """JS and AH each received one case on 2026-02-05 about an institution named in no
    other case; SH three about 复旦大学, a row with enough cases to be named."""
    day = dt.date(YEAR, 2, 5)
    make_case("JS", received_date=day, respondents=_institution(LONE[0]))
    make_case("AH", received_date=day, respondents=_institution(LONE[1]))
    for i in range(3):
        make_case(
            "SH", received_date=dt.date(YEAR, 2, 10 + i), respondents=_institution("复旦大学")
        )


def _figure(body: dict, key: str) -> dict:
    return next(f for f in body["figures"] if f["key"] == key)


# (a) The respondent institutions of one day's cases, listed by name with "<3".


def test_institutions_with_small_counts_are_not_named_anywhere(
    lone_cases, api, make_user, login, client
):
    viewer = make_user("ZJ", roles=("supervisor",))
    body = api(viewer).get(f"{API}?scope=region&year={YEAR}&quarter=1").get_json()
    rows = {r["key"]: r for r in _figure(body, "institution")["rows"]}
    assert set(rows) == {"复旦大学", "other"}
    assert rows["复旦大学"]["total"] == 3
    other = rows["other"]
    assert other["label"] == "其他（不单独列出）"
    assert other["marks"] == {"JS": "small", "AH": "small"}
    # Two under "<3" would each be 1: the merged row's total of 2 is withheld as "—".
    assert other["total"] is None and other["total_mark"] == "withheld"
    assert not any(name in str(body) for name in LONE)

    web = login(viewer)
    page = web.get(f"/statistics/region?year={YEAR}&quarter=1").get_data(as_text=True)
    assert "复旦大学" in page and "其他（不单独列出）" in page
    table = web.get(f"/statistics/region/institution.csv?year={YEAR}&quarter=1")
    sheet = [row[0] for row in csv.reader(io.StringIO(table.get_data(as_text=True)))]
    assert sheet[1:] == ["复旦大学", "其他（不单独列出）"]
    book = load_workbook(io.BytesIO(web.get(f"/statistics/region.xlsx?year={YEAR}&quarter=1").data))
    cells = [str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r]
    assert "复旦大学" in cells
    for name in LONE:
        assert name not in page and name not in table.get_data(as_text=True)
        assert name not in cells


def test_the_other_row_shows_its_count_once_it_reaches_the_threshold(app):
    figure = next(f for f in FIGURES if f.key == "institution")
    triples = [("甲大学", "SH", 1), ("乙大学", "SH", 1), ("丙大学", "JS", 1), ("丁大学", "JS", 4)]
    with app.test_request_context():
        table = build_table(figure, triples, [("SH", "SH"), ("JS", "JS")], suppress=True)
    shown = {r.label: (r.cells["SH"].text, r.cells["JS"].text, r.total.text) for r in table.rows}
    assert set(shown) == {"丁大学", "其他（不单独列出）"}
    assert shown["其他（不单独列出）"][2] == "3"
    # JS's 1 under "Others" beside its shown 4 would follow from JS's total: one more
    # of JS's cells is withheld.
    assert shown["其他（不单独列出）"][1] == "<3" and shown["丁大学"][1] == "—"


# (b) Two ranges a day apart, differenced.


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-02-05&to=2026-02-05",
        "from=2026-02-01&to=2026-02-05",
        "from=2026-02-01&to=2026-02-04",
        "from=2026-02-02&to=2026-03-01",
        "year=2026&quarter=1&month=2",
    ],
)
def test_the_region_takes_only_whole_months_quarters_or_years(
    lone_cases, api, make_user, login, query
):
    viewer = make_user("ZJ", roles=("supervisor",))
    response = api(viewer).get(f"{API}?scope=region&{query}")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "invalid_input"
    web = login(viewer)
    page = web.get(f"/statistics/region?{query}")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "整月、整季度或整年" in text or "不能同时选择" in text
    assert "江南大学" not in text and 'data-testid="figure-' not in text
    assert web.get(f"/statistics/region/institution.csv?{query}").status_code == 422
    assert web.get(f"/statistics/region.xlsx?{query}").status_code == 422


def test_whole_periods_are_taken_and_an_agency_keeps_its_own_ranges(
    lone_cases, api, make_user, login
):
    region = api(make_user("ZJ", roles=("supervisor",)))
    body = region.get(f"{API}?scope=region&from=2026-02-01&to=2026-02-28").get_json()
    assert body["period"] == {"start": "2026-02-01", "end": "2026-02-28", "label": "2026-02"}
    for query in ("year=2026&month=2", "year=2026&quarter=1", "year=2026"):
        assert region.get(f"{API}?scope=region&{query}").status_code == 200, query
    holder = make_user("SH", roles=("auditor",))
    profile = api(holder).get(
        f"{API}?scope=institution&institution=复旦大学&from=2026-02-05&to=2026-02-05"
    )
    assert profile.status_code == 422
    own = api(holder).get(f"{API}?from=2026-02-10&to=2026-02-10").get_json()
    assert _figure(own, "source")["rows"][0]["values"] == {"SH": 1}
    web = login(make_user("SH", roles=("supervisor",)))
    page = web.get("/statistics/region?year=2026").get_data(as_text=True)
    start = page.index('<form class="row')
    form = page[start : page.index("</form>", start)]
    assert 'name="month"' in form and 'name="from"' not in form
    own_page = web.get("/statistics?year=2026").get_data(as_text=True)
    assert 'name="from"' in own_page and 'name="month"' in own_page


def test_the_period_refusal_is_in_english_too(lone_cases, make_user, login, client):
    login(make_user("ZJ", roles=("supervisor",)))
    client.post("/language/en", data={"next": "/"})
    page = client.get("/statistics/region?from=2026-02-05&to=2026-02-05")
    assert page.status_code == 422
    assert "cover a whole month, quarter or year" in page.get_data(as_text=True)


# (c) "completed 18, on time 17": late 1 read off.


def _stage_rows(table) -> dict[str, dict[str, str]]:
    return {
        r.key: {**{k: c.text for k, c in r.cells.items()}, "*": r.total.text} for r in table.rows
    }


def test_late_cannot_be_read_off_completed_and_on_time(app):
    stages = next(f for f in FIGURES if f.key == "stages")
    triples = [
        ("preliminary.completed", "SH", 18),
        ("preliminary.on_time", "SH", 17),
        ("preliminary.share", "SH", 100 * 17 / 18),
        ("preliminary.completed", "JS", 10),
        ("preliminary.on_time", "JS", 10),
        ("preliminary.share", "JS", 100.0),
        ("preliminary.completed", "ZJ", 6),
        ("preliminary.on_time", "ZJ", 3),
        ("preliminary.share", "ZJ", 50.0),
        ("preliminary.share", "*", 100 * 30 / 34),
    ]
    columns = [("SH", "SH"), ("JS", "JS"), ("ZJ", "ZJ")]
    with app.test_request_context():
        rows = _stage_rows(build_table(stages, triples, columns, suppress=True))
    done, on_time, share = (rows[f"preliminary.{m}"] for m in ("completed", "on_time", "share"))
    assert done["SH"] == "18" and on_time["SH"] == "—" and share["SH"] == "—"
    # SH's on time would follow from the row's total of 30 beside JS's and ZJ's: one more
    # is withheld, the smallest (ZJ's 3); JS's stay.
    assert (on_time["JS"], share["JS"], on_time["ZJ"], on_time["*"]) == ("10", "100.0", "—", "30")
    _assert_no_small_late(rows, "preliminary")


def _assert_no_small_late(rows: dict, stage: str) -> None:
    done, on_time = rows[f"{stage}.completed"], rows[f"{stage}.on_time"]
    for column, shown in done.items():
        if shown.isdigit() and on_time[column].isdigit():
            late = int(shown) - int(on_time[column])
            assert not 0 < late < THRESHOLD, (column, shown, on_time[column])
        else:
            assert rows[f"{stage}.share"][column] == "—", column


def test_the_regions_stage_figures_give_no_late_count_away(make_case, api, make_user):
    """SH's preliminary reviews: three within the deadline, one 40 days late."""
    from app.demo import scenario
    from tests.conftest import scenario_actors

    for i, days in enumerate((15, 15, 15, 40)):
        case = make_case("SH", received_date=dt.date(YEAR, 1, 5 + i))
        scenario.walk(
            case, CaseState.investigating, scenario_actors(case), days={"open_investigation": days}
        )
    own = api(make_user("SH", roles=("supervisor",))).get(f"{API}?year={YEAR}").get_json()
    own_rows = {r["key"]: r["values"]["SH"] for r in _figure(own, "stages")["rows"]}
    assert (own_rows["preliminary.completed"], own_rows["preliminary.on_time"]) == (4, 3)
    body = api(make_user("ZJ", roles=("supervisor",))).get(f"{API}?scope=region&year={YEAR}")
    figure = _figure(body.get_json(), "stages")
    rows = {
        r["key"]: {
            **{k: "—" if v is None else str(v) for k, v in r["values"].items()},
            "*": "—" if r["total"] is None else str(r["total"]),
        }
        for r in figure["rows"]
    }
    # Beside a shown 4, an on-time count withheld as "—" (3 or more) would still leave at
    # most one late: the 4 goes too.
    assert rows["preliminary.on_time"]["SH"] == "—"
    assert rows["preliminary.completed"]["SH"] == "—"
    _assert_no_small_late(rows, "preliminary")


# The viewer's own agency.


def test_the_viewers_own_counts_are_shown_and_never_hide_anothers(app):
    figure = Figure("t", 1, "t", "t", lambda q: [])
    columns = [("SH", "SH"), ("JS", "JS")]
    with app.test_request_context():
        table = build_table(
            figure, [("a", "SH", 6), ("a", "JS", 1)], columns, suppress=True, known={"SH"}
        )
    (row,) = table.rows
    # Withholding SH's 6 would hide nothing from SH's viewer, who reads it on SH's own
    # page: the total goes instead, or 7 − 6 would give JS's case away.
    assert (row.cells["SH"].text, row.cells["JS"].text, row.total.text) == ("6", "<3", "—")


def test_the_region_page_shows_the_viewers_own_small_counts(lone_cases, make_user, login):
    page = login(make_user("JS", roles=("supervisor",))).get(
        f"/statistics/region?year={YEAR}&quarter=1"
    )
    text = page.get_data(as_text=True)
    start = text.index('data-row="2026-02"', text.index('data-testid="figure-received"'))
    row = text[start : text.index("</tr>", start)]
    assert 'data-col="JS">1<' in row and 'data-col="AH">&lt;3<' in row


def test_two_small_counts_under_a_small_total_are_not_pinned(app):
    figure = Figure("t", 1, "t", "t", lambda q: [])
    with app.test_request_context():
        table = build_table(
            figure, [("a", "SH", 1), ("a", "JS", 1)], [("SH", "SH"), ("JS", "JS")], suppress=True
        )
    (row,) = table.rows
    # "<3" beside two "<3" would make each 1.
    assert (row.cells["SH"].text, row.cells["JS"].text, row.total.text) == ("<3", "<3", "—")


# The annual report goes through the same rule.


def test_the_annual_report_names_no_institution_with_a_small_count(
    lone_cases, make_user, login, db
):
    from app.statistics.models import AnnualReport

    client = login(make_user("ZJ", roles=("supervisor",)))
    response = client.post(
        "/statistics/reports", data={"year": YEAR, "scope": "region", "locale": "zh"}
    )
    assert response.status_code == 302
    report = db.session.query(AnnualReport).one()
    pdf = client.get(f"/statistics/reports/{report.document_id}.pdf").data
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "复旦大学 3 0 0 0 3" in lines
    assert any(line.startswith("其他（不单独列出）") for line in lines)
    assert not any(name in text for name in LONE)


def _pinned(shown: list, hidden: list[str], total) -> list[int]:
    """The hidden cells of a line whose value a reader can work out: "<3" is 1 or 2, "—" at
    least THRESHOLD, and the line's total less the shown cells is their sum."""
    if total is None or not hidden:
        return []
    rest = total - sum(shown)
    ranges = [(1, THRESHOLD - 1) if mark == "small" else (THRESHOLD, rest) for mark in hidden]
    pinned = []
    for i, (lo, hi) in enumerate(ranges):
        others = ranges[:i] + ranges[i + 1 :]
        low = max(lo, rest - sum(h for _l, h in others))
        high = min(hi, rest - sum(lo_ for lo_, _h in others))
        if low == high:
            pinned.append(i)
    return pinned


def test_the_viewers_own_counts_give_no_other_agencys_count_away(
    lone_cases, make_case, api, make_user
):
    """JS's viewer sees JS's two cases of February as they are. Had their "<3" been counted
    as withheld beside AH's (two small counts under a shown total, neither pinned) and then
    shown to JS, the region's total of February less JS's 2 and SH's shown count would be
    AH's one case. In every figure, no other agency's withheld count follows from a line's
    total once the viewer's own counts are subtracted."""
    make_case("JS", received_date=dt.date(YEAR, 2, 6), respondents=_institution("复旦大学"))
    body = api(make_user("JS", roles=("supervisor",))).get(
        f"{API}?scope=region&year={YEAR}&quarter=1"
    )
    figures = body.get_json()["figures"]
    received = {r["key"]: r for r in _figure(body.get_json(), "received")["rows"]}
    assert received["2026-02"]["values"]["JS"] == 2  # the viewer's own, unsuppressed
    assert received["2026-02"]["marks"]["AH"] == "small"
    for figure in figures:
        for row in figure["rows"]:
            if row["kind"] != "count":
                continue
            others = {k: v for k, v in row["values"].items() if k != "JS"}
            shown = [v for v in others.values() if v is not None]
            marks = [row["marks"][k] for k, v in others.items() if v is None]
            own = row["values"].get("JS") or 0
            total = None if row["total"] is None else row["total"] - own
            assert not _pinned(shown, marks, total), (figure["key"], row)
