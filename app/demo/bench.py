"""Synthetic cases in bulk for load tests: `flask seed-bench --cases 100000`.

The demo loader walks every case through the real services, which is right for two hundred
cases and far too slow for a hundred thousand. Here rows are written in bulk, shaped like
what the services produce (reference numbers from the agency sequences, a history row per
step, search text and the current deadline filled in), so list and search queries meet
realistic data. On PostgreSQL the rows go in with COPY; when a seed at least doubles the
cases (and is large), the loaded tables' secondary indexes, unique and foreign-key constraints
are dropped first and built again at the end (once over the whole table instead of row by
row), as a restore does. SQLite gets bulk Core inserts.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text, update

from app.auth.models import Agency, User, UserRole
from app.cases.models import (
    Allegation,
    Case,
    CaseMember,
    CaseSequence,
    CaseState,
    HistoryEntry,
    MisconductType,
    Party,
    PartyType,
)
from app.cases.permissions import is_lead, is_supervisor_of
from app.cases.services import RULE_VERSION
from app.core.calendar import CST, today
from app.core.models import utcnow
from app.demo import data, scenario
from app.demo.loader import REASONS, ensure_agencies, ensure_demo_second_factor, ensure_demo_users
from app.extensions import db
from app.statistics import counts
from app.statistics.models import CaseFacet, CaseSummary
from app.statistics.summaries import facets, summarise

HISTORY_PER_CASE = 10
ACTOR_FOR = {is_supervisor_of: "supervisor", is_lead: "lead"}
BATCH = 2000
# An officer sits on about 160 teams over the years the synthetic cases span, not on every
# team of the agency: each agency gets one officer per this many of its cases (at least the two
# demo officers), and each case's team is drawn from them. A case has 1.4 team seats on
# average (those past the team step have two), so 110 cases an officer give about 155 teams
# each (250 gave 350 at a million cases: sh-officer sat on 382).
CASES_PER_OFFICER = 110
# A PostgreSQL seed of at least this many cases, adding at least as many as there are, builds
# the loaded tables' indexes after the rows (a smaller one keeps them: rebuilding costs more).
DEFER_INDEXES_FROM = 20_000


def seed_bench(
    cases: int, seed: int = 7, batch: int = BATCH, defer_indexes: bool | None = None
) -> int:
    """Adds `cases` synthetic cases spread over the four agencies; returns how many.
    `defer_indexes` (PostgreSQL): drop the secondary indexes and constraints first and build
    them at the end; by default when the seed is large (`DEFER_INDEXES_FROM`) and at least
    doubles the cases."""
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    ensure_demo_second_factor(agencies, users)  # password-only sign-in, as in the demo
    db.session.commit()
    rng = random.Random(seed)
    pool_size = max(2, -(-cases // (len(agencies) * CASES_PER_OFFICER)))
    actors = {code: _actors(users, code, pool_size) for code in agencies}
    sequences = _current_sequences()
    next_id = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    states, weights = zip(*data.STATE_SPREAD.items(), strict=True)
    paths = {state: _path(state) for state in states}
    codes = list(agencies)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    existing = db.session.scalar(select(func.count()).select_from(Case)) or 0
    if defer_indexes is None:
        defer_indexes = cases >= max(existing, DEFER_INDEXES_FROM)
    deferred = _drop_for_load() if postgres and defer_indexes else []
    try:
        done = _load(rng, cases, batch, codes, agencies, actors, sequences, next_id,
                     (states, weights, paths), postgres)  # fmt: skip
    finally:
        _rebuild(deferred)
    _save_sequences(sequences)
    _after_bulk_load()
    db.session.commit()
    return done


def _path(state: CaseState) -> tuple[list, int]:
    """The steps to `state` with their day offsets, and the offset of the last."""
    return [(step, scenario.DAYS[step.name]) for step in scenario.path(state)], scenario.duration(
        state
    )


def _load(rng, cases, batch, codes, agencies, actors, sequences, next_id, spread, postgres):
    states, weights, paths = spread
    done = 0
    while done < cases:
        rows: dict[str, list[dict]] = {
            "cases": [],
            "parties": [],
            "allegations": [],
            "members": [],
            "history": [],
            "summaries": [],
            "facets": [],
        }
        for _ in range(min(batch, cases - done)):
            code = codes[done % len(codes)]
            state = rng.choices(states, weights)[0]
            _synthetic_case(
                rng, next_id, agencies[code], state, actors[code], sequences, rows, paths[state]
            )
            next_id += 1
            done += 1
        (_copy if postgres else _write)(rows)
        running = Counter()
        for summary in rows["summaries"]:
            running.update(counts.contributions(summary))
        running.update(counts.contributions(None, rows["facets"]))
        counts.add(running)
        db.session.commit()
    return done


def _actors(users: dict[str, User], code: str, pool_size: int) -> dict:
    prefix = code.lower()
    officers = [users[f"{prefix}-officer"], users[f"{prefix}-officer2"]]
    officers += _bench_officers(officers[0].agency, prefix, pool_size - len(officers))
    return {
        "officer": officers[0],
        "lead": officers[1],
        "supervisor": users[f"{prefix}-supervisor"],
        "pool": officers,
    }


def _bench_officers(agency: Agency, prefix: str, count: int) -> list[SimpleNamespace]:
    """`count` synthetic officers of the agency (`sh-bench-0001`, …), made once, in bulk."""
    if count <= 0:
        return []
    names = [f"{prefix}-bench-{n:04d}" for n in range(1, count + 1)]
    known = set(db.session.scalars(select(User.username).where(User.username.in_(names))))
    missing = [name for name in names if name not in known]
    if missing:
        password_hash = db.session.scalar(
            select(User.password_hash).where(User.username == f"{prefix}-officer")
        )
        db.session.execute(
            insert(User.__table__),
            [
                {
                    "username": name,
                    "display_name": f"{agency.name_zh[:2]}专员{name[-4:]}",
                    "agency_id": agency.id,
                    "active": True,
                    "password_hash": password_hash,
                    "created_at": utcnow(),
                }
                for name in missing
            ],
        )
        ids = db.session.execute(select(User.id).where(User.username.in_(missing))).scalars()
        db.session.execute(
            insert(UserRole.__table__), [{"user_id": i, "role": "officer"} for i in ids]
        )
        db.session.commit()
    rows = db.session.execute(select(User.id, User.username).where(User.username.in_(names)))
    return [SimpleNamespace(id=row.id, username=row.username) for row in rows]


def _current_sequences() -> dict[tuple[int, int], int]:
    return {
        (row.agency_id, row.year): row.last_value
        for row in db.session.scalars(select(CaseSequence))
    }


def _synthetic_case(rng, case_id, agency: Agency, state, pool, sequences, rows, path) -> None:
    registrar, lead, investigator = rng.sample(pool["pool"], 3) if len(pool["pool"]) > 2 else (
        pool["officer"], pool["lead"], pool["officer"])  # fmt: skip
    actors = {
        "officer": investigator,
        "lead": lead,
        "supervisor": pool["supervisor"],
        "registrar": registrar,
    }
    path, last_offset = path
    received = today() - dt.timedelta(days=rng.randint(last_offset + 1, last_offset + 2500))
    key = (agency.id, received.year)
    sequences[key] = sequences.get(key, 0) + 1
    seq = sequences[key]
    reference = f"{agency.code}-{received.year}-{seq:06d}"
    kind = rng.choice(list(MisconductType))
    names = [data.person_name(rng) for _ in range(rng.choice((1, 1, 1, 2)))]
    title = data.TITLE_PATTERNS[kind].format(name=names[0], topic=rng.choice(data.TOPICS))
    dates = _dates(received, state, path)
    rows["cases"].append(
        {
            "id": case_id,
            "reference": reference,
            "agency_id": agency.id,
            "year": received.year,
            "seq": seq,
            "title": title,
            "summary": data.DESCRIPTIONS[kind],
            "source": rng.choice(data.sources()).value,
            "received_date": received,
            "rule_version": RULE_VERSION,
            "state": state.value,
            "version": 1 + len(path),
            "search_text": " ".join([reference, title, *names]).lower(),
            "created_by_id": actors["registrar"].id,
            "created_at": _at(received),
            "updated_at": _at(received + dt.timedelta(days=last_offset)),
            "transfer_agency_id": (agency.id % 4) + 1 if state == CaseState.transferred else None,
            **dates,
        }
    )
    institution = rng.choice(data.INSTITUTIONS[agency.code])
    for name in names:
        rows["parties"].append(
            {
                "case_id": case_id,
                "party_type": PartyType.person.value,
                "name": name,
                "id_type": None,
                "id_number": None,
                "id_hash": None,
                "institution": institution,
                "position": rng.choice(data.POSITIONS),
            }
        )
    rows["allegations"].append(
        {
            "case_id": case_id,
            "misconduct_type": kind.value,
            "description": data.DESCRIPTIONS[kind],
            "work_reference": None,
        }
    )
    if any(step.name == "team" for step, _offset in path):
        for who, role in (("lead", "lead"), ("officer", "investigator")):
            rows["members"].append(
                {
                    "case_id": case_id,
                    "user_id": actors[who].id,
                    "team_role": role,
                    "complainant_access": False,
                    "added_by_id": actors["supervisor"].id,
                    "added_at": _at(received),
                }
            )
    history = list(_history(case_id, received, path, actors))
    rows["history"].extend(history)
    facts = SimpleNamespace(
        id=case_id,
        agency_id=agency.id,
        received_date=received,
        source=rows["cases"][-1]["source"],
        state=state,
        **dates,
    )
    entries = [SimpleNamespace(id=n, **entry) for n, entry in enumerate(history)]
    rows["summaries"].append(summarise(facts, entries, []))
    rows["facets"].extend(facets(case_id, agency.id, received, [kind.value], [institution]))


DUE_BY_STATE = {
    CaseState.preliminary_review: "preliminary_due",
    CaseState.investigating: "investigation_due",
    CaseState.committee_review: "committee_due",
    CaseState.pre_decision_notice: "defence_due",
    CaseState.decided: "review_request_due",
    CaseState.under_review: "review_decision_due",
}


def _dates(received: dt.date, state: CaseState, path) -> dict:
    """The deadline columns as the services would have left them (calendar-day estimates)."""
    steps = {step.name: received + dt.timedelta(days=offset) for step, offset in path}
    d = lambda name, days=0: steps[name] + dt.timedelta(days=days) if name in steps else None  # noqa: E731
    opened = d("open_investigation")
    values = {
        "preliminary_due": d("start_preliminary_review", 21),
        "investigation_opened_on": opened,
        "investigation_due": opened + dt.timedelta(days=182) if opened else None,
        "extension_months": 0,
        "suspended_on": d("suspend_investigation") if state == CaseState.suspended else None,
        "findings_report": "调查报告（合成数据）。" if "submit_findings" in steps else None,
        "committee_due": d("refer_to_committee", 30)
        if state == CaseState.committee_review
        else None,
        "notice_served_on": d("committee"),
        "defence_due": d("committee", 14),
        "defence_received_on": d("defence"),
        "decision_text": "给予通报批评（合成数据）。" if "issue_decision" in steps else None,
        "decided_on": d("issue_decision"),
        "review_request_due": d("issue_decision", 21),
        "review_requested_on": d("request_review"),
        "review_decision_due": d("request_review", 126),
        "review_outcome": None,
        "closed_on": d("close_case"),
    }
    column = DUE_BY_STATE.get(state)
    values["due_date"] = values[column] if column else None
    return values


def _history(case_id: int, received: dt.date, path, actors) -> Iterator[dict]:
    entries = [("register", None, CaseState.received, received, "registrar", {}, None)]
    state = CaseState.received
    for step, offset in path:
        day = received + dt.timedelta(days=offset)
        if step.name == "team":
            for who, role in (("lead", "lead"), ("officer", "investigator")):
                details = {"user": actors[who].username, "team_role": role}
                entries.append(("assign_member", state, state, day, "supervisor", details, None))
        elif step.name == "defence":
            entries.append((step.action, state, state, day, "officer", {}, None))
        else:
            actor = ACTOR_FOR.get(step.may, "officer")
            entries.append((step.action, state, step.target, day, actor, {}, step.name))
            state = step.target
    while len(entries) < HISTORY_PER_CASE:  # earlier team changes, as busy cases have
        details = {"user": actors["officer"].username, "team_role": "investigator"}
        entries.insert(1, ("assign_member", CaseState.received, CaseState.received, received,
                           "supervisor", details, None))  # fmt: skip
    for action, from_state, to_state, day, actor, details, step in entries:
        yield {
            "case_id": case_id,
            "action": action,
            "from_state": from_state.value if from_state else None,
            "to_state": to_state.value if to_state else None,
            "actor_id": actors[actor].id,
            "at": _at(day),
            "reason": REASONS.get(step),
            "details": details,
        }


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=CST).astimezone(dt.UTC)


TABLES = {
    "cases": Case.__table__,
    "parties": Party.__table__,
    "allegations": Allegation.__table__,
    "members": CaseMember.__table__,
    "history": HistoryEntry.__table__,
    "summaries": CaseSummary.__table__,
    "facets": CaseFacet.__table__,
}


def _write(rows: dict[str, list[dict]]) -> None:
    for key, table in TABLES.items():
        if rows[key]:
            db.session.execute(insert(table), rows[key])


def _copy(rows: dict[str, list[dict]]) -> None:
    """The batch through PostgreSQL's COPY, each value converted as SQLAlchemy would bind it
    (enums to their values, JSON to text); columns left out take their defaults (ids)."""
    connection = db.session.connection()
    dialect = connection.dialect
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")  # a lost batch is seeded again
        for key, table in TABLES.items():
            if not rows[key]:
                continue
            names = list(rows[key][0])
            convert = [
                table.c[name].type.bind_processor(dialect) or (lambda value: value)
                for name in names
            ]
            if key == "history":  # psycopg's JSON wrapper is not COPY text: serialise here
                convert[names.index("details")] = json.dumps
            columns = ", ".join(f'"{name}"' for name in names)
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in rows[key]:
                    copy.write_row([f(row[n]) for f, n in zip(convert, names, strict=True)])


def _drop_for_load() -> list[str]:
    """Drops the loaded tables' secondary indexes, unique and foreign-key constraints (their
    primary keys stay); returns the statements that build them again."""
    names = [table.name for table in TABLES.values()]
    constraints = db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(:names) "
            "AND contype IN ('u', 'f') ORDER BY contype DESC, conname"
        ),
        {"names": names},
    ).all()
    indexes = db.session.execute(
        text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(:names) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1"
        ),
        {"names": names},
    ).all()
    rebuild = []
    for table, name, definition, kind in constraints:
        db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        rebuild.append((kind, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    for name, definition in indexes:
        db.session.execute(text(f"DROP INDEX {name}"))
        rebuild.append(("i", definition))
    db.session.commit()
    order = {"u": 0, "i": 1, "f": 2}  # unique first: a foreign key may lean on one
    return [statement for kind, statement in sorted(rebuild, key=lambda r: order[r[0]])]


def _rebuild(statements: list[str]) -> None:
    if not statements:
        return
    db.session.rollback()
    db.session.execute(text("SET maintenance_work_mem = '512MB'"))
    for statement in statements:
        db.session.execute(text(statement))
        db.session.commit()


def _save_sequences(sequences: dict[tuple[int, int], int]) -> None:
    known = _current_sequences()
    for (agency_id, year), value in sequences.items():
        if (agency_id, year) in known:
            db.session.execute(
                update(CaseSequence)
                .where(CaseSequence.agency_id == agency_id, CaseSequence.year == year)
                .values(last_value=value)
            )
        else:
            db.session.add(CaseSequence(agency_id=agency_id, year=year, last_value=value))
    db.session.flush()


def _after_bulk_load() -> None:
    """Explicit ids bypass PostgreSQL's sequence: move it past them. Then vacuum, as autovacuum
    would soon, so that counts can use index-only scans and the planner has statistics."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(
        text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in (
            "cases",
            "parties",
            "allegations",
            "case_members",
            "case_history",
            "case_summaries",
            "case_facets",
            "case_counts",
        ):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
