"""Statistics: figures computed from known cases, the same on the page, in the API, the CSV,
the Excel workbook and the annual report; the small-count rule wherever agencies share."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import subprocess

import pytest
from openpyxl import load_workbook

from app.cases.models import CaseSource, CaseState
from app.statistics.figures import TOTAL, Figure
from app.statistics.tables import build_table

YEAR = 2026


@pytest.fixture
def known(make_case):
    """SH: 4 letters and 1 phone call received in 2026 (one not accepted), JS: 1 online."""
    cases = [
        make_case("SH", source=CaseSource.letter, received_date=dt.date(YEAR, 1, 5 + i))
        for i in range(4)
    ]
    cases.append(make_case("SH", source=CaseSource.phone, received_date=dt.date(YEAR, 2, 3)))
    cases.append(
        make_case(
            "SH",
            state=CaseState.not_accepted,
            source=CaseSource.letter,
            received_date=dt.date(YEAR, 3, 2),
        )
    )
    cases.append(make_case("JS", source=CaseSource.online, received_date=dt.date(YEAR, 2, 9)))
    make_case("SH", source=CaseSource.letter, received_date=dt.date(YEAR - 1, 6, 1))
    return cases


def _row(page: str, figure: str, row: str) -> str:
    start = page.index(f'data-testid="figure-{figure}"')
    start = page.index(f'data-row="{row}"', start)
    return page[start : page.index("</tr>", start)]


def test_agency_page_counts_own_cases_of_the_period(known, make_user, login):
    client = login(make_user("SH", roles=("supervisor",)))
    page = client.get(f"/statistics?year={YEAR}").get_data(as_text=True)
    assert ">5<" in _row(page, "source", "letter")
    assert ">1<" in _row(page, "source", "phone")
    assert ">0<" in _row(page, "source", "online")  # JS's case is not SH's
    assert "<svg" in page
    assert ">1<" in _row(page, "outcome", "not_accepted")


def test_region_page_withholds_small_counts_and_their_complements(known, make_user, login):
    # A third agency's viewer: SH's and JS's own viewers read their own counts as they are.
    client = login(make_user("ZJ", roles=("agency_admin",)))
    page = client.get(f"/statistics/region?year={YEAR}").get_data(as_text=True)
    online = _row(page, "source", "online")
    assert "&lt;3" in online and ">1<" not in online
    phone = _row(page, "source", "phone")
    assert "&lt;3" in phone


def test_exports_carry_the_same_figures(known, make_user, login):
    client = login(make_user("SH", roles=("auditor",)))
    csv = client.get(f"/statistics/agency/source.csv?year={YEAR}").get_data(as_text=True)
    assert "5" in next(line for line in csv.splitlines() if line.startswith(("Letter", "来信")))
    client.post("/logout")
    region = login(make_user("ZJ", roles=("supervisor",)))
    data = region.get(f"/statistics/region.xlsx?year={YEAR}").data
    book = load_workbook(io.BytesIO(data))
    sheet = next(s for s in book.worksheets if s.title.startswith("3 "))
    rows = [r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)]
    letter, phone = rows[0], rows[1]  # the sources in their fixed order
    # SH's 5 letters are withheld: with SH's total they would give away its 1 phone call;
    # and with no other agency's letters to withhold beside them, the region total goes too.
    assert letter[0] == "—" and letter[-1] == "—"
    assert sheet.cell(3, 2).value == "上海市科学技术委员会"
    assert "<3" in phone and 1 not in phone


def test_small_count_rule_survives_subtraction_from_totals():
    figure = Figure("t", 1, "t", "t", lambda q: [])
    triples = [("a", "SH", 1), ("a", "JS", 7), ("a", "ZJ", 9), ("b", "SH", 5), ("b", "JS", 4)]
    table = build_table(figure, triples, [("SH", "SH"), ("JS", "JS"), ("ZJ", "ZJ")], suppress=True)
    a = table.rows[0]
    assert a.cells["SH"].text == "<3"
    hidden = [c for c in a.cells.values() if c.hidden]
    assert len(hidden) >= 2 or a.total.hidden  # the total minus the rest is not the 1
    column = [r.cells["SH"] for r in table.rows]
    assert sum(1 for c in column if c.hidden) >= 2
    assert TOTAL == "*"


def _summary_table(triples, columns):
    # Rows listed whatever the data (as months are), so a small row keeps its name here.
    figure = Figure("t", 1, "t", "t", lambda q: [], summary=True, listed_rows=True)
    return build_table(figure, triples, [(c, c) for c in columns], suppress=True)


def test_a_grand_total_is_shown_when_no_small_count_can_be_worked_out_from_it():
    table = _summary_table(
        [("a", "SH", 5), ("a", "JS", 4), ("b", "SH", 1), ("b", "JS", 6)], ["SH", "JS"]
    )
    a, b = table.rows
    assert b.cells["SH"].text == "<3" and b.cells["JS"].hidden and a.cells["SH"].hidden
    assert (a.total.text, b.total.text, table.grand_total.text) == ("9", "7", "16")


def test_a_grand_total_withholds_a_second_row_total_beside_a_small_one():
    table = _summary_table([("a", "SH", 1), ("b", "SH", 10), ("b", "JS", 10)], ["SH", "JS"])
    a, b = table.rows
    assert a.total.text == "<3" and table.grand_total.text == "21"
    # b's total is withheld, and so is a cell of b, so that neither 21 − b's total nor the
    # SH column gives away a's 1.
    assert b.total.hidden and b.cells["SH"].hidden


def test_a_grand_total_that_would_give_away_a_small_count_is_withheld():
    # The one other row shows all its cells, so its total cannot be hidden to protect "<3".
    table = _summary_table([("a", "SH", 1), ("b", "SH", 0), ("b", "JS", 9)], ["SH", "JS"])
    a, b = table.rows
    assert a.total.text == "<3" and b.total.text == "9" and not b.cells["JS"].hidden
    assert table.grand_total.text == "—"


def test_other_roles_are_refused(known, make_user, login, client):
    for roles, path, status in (
        (("officer",), "/statistics", 403),
        (("committee_member",), "/statistics", 403),
        (("auditor",), "/statistics/region", 403),
        (("sysadmin",), "/statistics/region", 403),
    ):
        login(make_user("SH", roles=roles))
        assert client.get(path).status_code == status, (roles, path)
        client.post("/logout")


def _page_rows(page: str, figure: str) -> list[tuple[str, list[str]]]:
    start = page.index(f'data-testid="figure-{figure}"')
    body = page[start : page.index("</section>", start)]
    rows = re.findall(r'<tr data-row="[^"]*"><th scope="row">([^<]*)</th>(.*?)</tr>', body, re.S)
    return [
        (html.unescape(label), re.findall(r"<td[^>]*>([^<]*)</td>", cells)) for label, cells in rows
    ]


@pytest.mark.parametrize("scope", ["agency", "region"])
def test_annual_report_pdf_shows_the_pages_figures(known, make_user, login, db, scope):
    user = make_user("SH", roles=("supervisor",))
    client = login(user)
    response = client.post(
        "/statistics/reports", data={"year": YEAR, "scope": scope, "locale": "zh"}
    )
    assert response.status_code == 302
    from app.statistics.models import AnnualReport

    report = db.session.query(AnnualReport).one()
    pdf = client.get(f"/statistics/reports/{report.document_id}.pdf").data
    assert hashlib.sha256(pdf).hexdigest() == report.sha256
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert f"{YEAR} 年度科研诚信工作报告" in text
    path = "/statistics" if scope == "agency" else "/statistics/region"
    page = client.get(f"{path}?year={YEAR}").get_data(as_text=True)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # The summary's grand total: SH's 6 cases of the year. For the region it is withheld:
    # SH's viewer knows SH's 4, 1 and 1 in January to March, so 7 would give away the one
    # case under February's withheld total beside SH's 1 (JS's).
    assert f"受理案件数 {6 if scope == 'agency' else '—'}" in lines
    assert "主要数据概览" in lines and "案情摘要" not in text  # not a case's summary
    for figure in ("source", "misconduct_type", "outcome"):
        rows = _page_rows(page, figure)
        assert len(rows) >= 3, figure
        for label, cells in rows:
            assert f"{label} {' '.join(html.unescape(c) for c in cells)}" in lines, (figure, label)


def _report_lines(client, db, scope, locale) -> list[str]:
    from app.statistics.models import AnnualReport

    response = client.post(
        "/statistics/reports", data={"year": YEAR, "scope": scope, "locale": locale}
    )
    assert response.status_code == 302
    report = db.session.query(AnnualReport).order_by(AnnualReport.id.desc()).first()
    pdf = client.get(f"/statistics/reports/{report.document_id}.pdf").data
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [" ".join(line.split()) for line in text.splitlines()]


def test_annual_report_summary_states_the_key_indicators(known, make_user, login, db):
    """Named indicators with their values, not the figures' titles; withheld as the figures
    withhold them."""
    client = login(make_user("SH", roles=("supervisor",)))
    lines = _report_lines(client, db, "agency", "en")
    start = lines.index("Summary of the figures")
    summary = lines[start : start + 16]
    for line in (
        "Cases registered 6",
        "Cases concluded 1",
        "Sanctions imposed 0",
        "Integrity records published 0",
        "Integrity records received 0",
    ):
        assert line in summary, (line, summary[4:])
    assert any(
        re.fullmatch(r"Preliminary reviews completed within the deadline (\d+\.\d%|—)", x)
        for x in summary
    )
    assert any(re.fullmatch(r"Preliminary review: median days (\d+\.\d|—)", x) for x in summary)
    assert any(line.startswith("Cases overdue now ") for line in summary)
    assert not any(line.startswith("Cases received by month") for line in summary)
    # The region's figures withhold the total that would single out a case; so does the summary.
    region = _report_lines(client, db, "region", "en")
    assert "Cases registered —" in region


def test_demo_gives_every_agency_figures_for_the_past_two_years(app, db):
    from app.auth.models import Agency
    from app.core.calendar import today
    from app.demo.loader import load_demo
    from app.statistics.periods import Period
    from app.statistics.services import Scope, compute_tables

    assert load_demo() > 100
    end = today()
    years = [
        Period(end - dt.timedelta(days=729), end - dt.timedelta(days=365)),
        Period(end - dt.timedelta(days=364), end),
    ]
    with app.test_request_context():
        for agency in db.session.query(Agency).filter_by(is_platform=False):
            for period in years:
                tables = {t.key: t for t in compute_tables(Scope("agency", period, agency))}
                for key in ("received", "concluded", "source", "outcome"):
                    total = sum(r.total.value for r in tables[key].rows)
                    assert total >= 3, (agency.code, period.label, key)


def test_institution_names_are_escaped_in_charts_and_tables(make_case, make_user, login):
    from app.cases.models import PartyType
    from app.cases.services import RespondentInput

    name = '<img src=x onerror="alert(1)">大学'
    make_case(
        "SH",
        received_date=dt.date(YEAR, 4, 1),
        respondents=[RespondentInput(name=name, party_type=PartyType.institution)],
    )
    client = login(make_user("SH", roles=("supervisor",)))
    page = client.get(f"/statistics?year={YEAR}").get_data(as_text=True)
    assert "<img src=x" not in page
    assert page.count("&lt;img src=x") >= 2  # the table's row and the chart's label
    profile = client.get("/statistics/institution", query_string={"name": name})
    assert profile.status_code == 200 and "<img src=x" not in profile.get_data(as_text=True)


def test_a_feature_registers_its_own_figure(known, make_user, login):
    """What the committees and joint investigations do: no edit of app/statistics."""
    from sqlalchemy import func, select

    from app.cases.models import Case
    from app.extensions import db
    from app.statistics import Figure, register_figure
    from app.statistics.figures import FIGURES

    def long_titles(q):
        stmt = (
            select(Case.agency_id, func.count())
            .where(*q.case_clauses(), *q.in_period(Case.received_date))
            .group_by(Case.agency_id)
        )
        return [("all", agency_id, n) for agency_id, n in db.session.execute(stmt)]

    figure = register_figure(
        Figure("plugin", 5, "Plugin figure", "Counted elsewhere.", long_titles)
    )
    try:
        client = login(make_user("ZJ", roles=("supervisor",)))
        page = client.get(f"/statistics/region?year={YEAR}").get_data(as_text=True)
        assert "Plugin figure" in page
        row = _row(page, "plugin", "all")
        # JS's single case is "<3", so SH's 6 are withheld beside it: the rule applies to a
        # registered figure as to the built-in ones.
        assert 'data-col="JS">&lt;3<' in row and 'data-col="SH">—<' in row
        assert 'data-col="total">7<' in row
        register_figure(figure)  # a second app's init_app registers it again: still one
        assert [f.key for f in FIGURES].count(figure.key) == 1
    finally:
        FIGURES.remove(figure)


def test_reports_page_polls_a_generating_report(make_user, login, db):
    """A report still being generated shows its progress, which jobs.js polls (no inline
    script); the status answers its requester only."""
    from app.jobs.models import Job, JobStatus

    user = make_user("SH", roles=("supervisor",))
    job = Job(
        id="0f0e0d0c-stat-4000-8000-000000000001",
        queue="dossiers",
        func="app.statistics.tasks.generate_report",
        description=f"annual report {YEAR} region",
        user_id=user.id,
        status=JobStatus.running,
        progress=40,
    )
    db.session.add(job)
    db.session.flush()
    client = login(user)
    page = client.get("/statistics/reports").get_data(as_text=True)
    box = page[
        page.index('data-testid="report-job"') - 200 : page.index(
            "</div>", page.index('data-testid="report-job"')
        )
    ]
    assert f'data-job-status="/jobs/{job.id}.json"' in box
    assert "data-job-progress>40<" in box and "data-job-failed" in box
    assert "/static/js/jobs.js" in page
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["status"] == "running" and status["progress"] == 40
    client.post("/logout")
    other = login(make_user("SH", roles=("supervisor",)))
    assert other.get(f"/jobs/{job.id}.json").status_code == 404
    assert "data-job-status" not in other.get("/statistics/reports").get_data(as_text=True)


def _cells(app, user, kind: str, key: str, year: int) -> dict[str, dict]:
    """A figure's rows as computed for `user`'s page: {row: {column: shown value}}."""
    from app.statistics.periods import year_period
    from app.statistics.services import compute_tables, scope_for, table_as_dict

    with app.test_request_context():
        tables = compute_tables(scope_for(user, kind, year_period(year)))
        table = next(table_as_dict(t) for t in tables if t.key == key)
    return {r["key"]: r["values"] | {"total": r["total"]} for r in table["rows"]}


def test_committee_review_figures_count_reviews_and_withhold_small_ones(
    app, db, make_case, make_user, login
):
    """SH's panel: 4 referred, 3 closed (2 endorsed after 10 and 30 days, 1 returned after
    20); JS's: 1 referred. Registered by the committees feature."""
    from app.committees.models import Panel, PanelKind, Review, ReviewStatus
    from app.committees.rules import Outcome

    supervisor = make_user("SH", roles=("supervisor",))
    referred = dt.datetime(YEAR, 3, 2, 2, 0, tzinfo=dt.UTC)
    for code, ends in (
        ("SH", [(10, Outcome.endorse), (30, Outcome.endorse), (20, Outcome.return_), None]),
        ("JS", [None]),
    ):
        case = make_case(code, received_date=dt.date(YEAR, 2, 1))
        panel = Panel(agency_id=case.agency_id, kind=PanelKind.academic, name=f"{code} 学术委员会")
        db.session.add(panel)
        db.session.flush()
        for end in ends:
            db.session.add(
                Review(
                    case_id=case.id,
                    panel_id=panel.id,
                    questions="认定意见是否成立",
                    deadline=dt.date(YEAR, 6, 1),
                    status=ReviewStatus.closed if end else ReviewStatus.open,
                    outcome=end[1] if end else None,
                    referred_by_id=supervisor.id,
                    referred_at=referred,
                    closed_at=referred + dt.timedelta(days=end[0]) if end else None,
                )
            )
    db.session.flush()
    own = _cells(app, supervisor, "agency", "committee_reviews", YEAR)
    assert own["referred"]["SH"] == 4 and own["closed"]["SH"] == 3
    assert own["endorse"]["SH"] == 2 and own["return"]["SH"] == 1
    assert own["median_days"]["SH"] == 20
    outsider = make_user("ZJ", roles=("supervisor",))
    region = _cells(app, outsider, "region", "committee_reviews", YEAR)
    assert (
        region["referred"]["JS"] is None and region["referred"]["SH"] is None
    )  # <3 and its complement
    assert region["closed"]["SH"] == 3 and region["return"]["SH"] is None
    page = login(outsider).get(f"/statistics/region?year={YEAR}").get_data(as_text=True)
    assert 'data-col="JS">&lt;3<' in _row(page, "committee_reviews", "referred")


def test_transfer_and_joint_figures_by_agency(app, db, make_case, make_user, login):
    """SH offers three cases to JS: one accepted, one refused, one pending. A joint
    investigation led by ZJ with one open and one closed task for AH."""
    from app.cases.transfers import accept_transfer, refuse_transfer, transfer_case
    from app.core.calendar import today
    from app.joint.models import JointInvestigation, Task, TaskKind, TaskStatus

    year = today().year
    sender = make_user("SH", roles=("supervisor",))
    receiver = make_user("JS", roles=("supervisor",))
    offers = []
    for _ in range(3):
        case = make_case("SH", state=CaseState.preliminary_review, received_date=today())
        offers.append(
            transfer_case(
                case,
                sender,
                target_agency="JS",
                reason="属地管辖",
                identity_travels=False,
                expected_version=None,
            )
        )
    accept_transfer(offers[0], receiver)
    refuse_transfer(offers[1], receiver, "不属本机关管辖")
    lead = make_case("ZJ", received_date=today())
    zj = make_user("ZJ", roles=("supervisor",))
    db.session.add(JointInvestigation(case_id=lead.id, started_by_id=zj.id))
    ah = make_user("AH", roles=("supervisor",))
    for status in (TaskStatus.open, TaskStatus.closed):
        db.session.add(
            Task(
                case_id=lead.id,
                agency_id=ah.agency_id,
                kind=TaskKind.interview,
                title="询问证人",
                due_date=today() + dt.timedelta(days=10),
                status=status,
                created_by_id=zj.id,
            )
        )
    db.session.flush()
    assert _cells(app, sender, "agency", "transfers", year)["sent"]["SH"] == 3
    received = _cells(app, receiver, "agency", "transfers", year)
    assert received["received"]["JS"] == 3
    assert received["accepted"]["JS"] == 1 and received["refused"]["JS"] == 1
    assert _cells(app, zj, "agency", "joint", year)["joint"]["ZJ"] == 1
    tasks = _cells(app, ah, "agency", "joint", year)
    assert tasks["task_open"]["AH"] == 1 and tasks["task_closed"]["AH"] == 1
    region = _cells(app, sender, "region", "transfers", year)
    assert region["sent"]["SH"] == 3 and region["accepted"]["JS"] is None
    page = login(sender).get(f"/statistics/region?year={year}").get_data(as_text=True)
    assert 'data-col="JS">&lt;3<' in _row(page, "transfers", "accepted")
