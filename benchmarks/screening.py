"""Batch screening of an applicant list against the records in force, beside its floor (the
same matching as one SQL join of the hashed list against the records).

    .venv/bin/python -m benchmarks.screening [--database URL] [--records 1000000]
        [--rows 10000] [--hits 1000] [--keep]

The database named in --database is dropped and recreated and filled with received records
in force (PostgreSQL through COPY). The list is an Excel workbook; the whole job is what a
screener waits for: reading, checking and hashing the list and storing its rows, the job's
matching and its result workbook. Targets (issue 23): matching ≤ 2 s, whole job ≤ 10 s for
10,000 rows against 1,000,000 records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.core.crypto import matching_hash
from app.core.identifiers import make_resident_id
from app.extensions import db
from benchmarks.common import bench_config, recreate_database

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/yrd_bench_screening"
COLUMNS = (
    "record_uid",
    "origin_node",
    "is_local",
    "deciding_agency",
    "subject_name",
    "subject_hash",
    "subject_id_masked",
    "status",
    "current_version",
    "effective_date",
    "lifetime",
    "draft",
    "payload",
    "draft_stage",
    "approval_log",
    "created_at",
    "updated_at",
)


def held_number(i: int) -> str:
    return make_resident_id("310101", dt.date(1950, 1, 1) + dt.timedelta(days=i // 999), i % 999)


def _record_rows(count: int):
    now = dt.datetime.now(dt.UTC)
    for i in range(count):
        yield (
            str(uuid.uuid4()),
            "node-peer",
            False,
            "浙江省科学技术厅",
            f"受检人{i}",
            matching_hash("resident_id", held_number(i)),
            "3101**********0000",
            "active",
            1,
            dt.date(2026, 5, 1),
            False,
            "{}",
            '{"outcome": "通报批评，三年内禁止申报项目", "severity": "serious"}',
            None,
            "[]",
            now,
            now,
        )


def seed_records(count: int) -> None:
    """Records in force, received from a peer: COPY on PostgreSQL, inserts on SQLite."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            statement = f"COPY integrity_records ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in _record_rows(count):
                    copy.write_row(row)
    else:
        from app.records.models import IntegrityRecord

        rows = [dict(zip(COLUMNS, row, strict=True)) for row in _record_rows(count)]
        for row in rows:
            row["draft"], row["payload"], row["approval_log"] = {}, {"outcome": "通报批评"}, []
        db.session.execute(IntegrityRecord.__table__.insert(), rows)
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def applicant_list(rows: int, hits: int, records: int) -> tuple[bytes, list[str]]:
    """An Excel list: `hits` people held (spread over the records), the rest valid numbers
    held nowhere (born 2001, after every seeded one)."""
    from openpyxl import Workbook

    step = max(1, records // max(1, hits))
    numbers = [held_number(i * step % records) for i in range(hits)]
    numbers += [
        make_resident_id("320102", dt.date(2001, 1, 1) + dt.timedelta(days=n // 999), n % 999)
        for n in range(rows - hits)
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("list")
    sheet.append(["姓名", "证件类型", "证件号码", "单位"])
    for n, number in enumerate(numbers):
        sheet.append([f"申请人{n}", "居民身份证", number, "某大学"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), numbers


def floor_join(numbers: list[str]) -> tuple[float, int]:
    """The same matching as one SQL join: the hashed list into a temporary table, joined to
    the records in force on the subject index."""
    from app.core.calendar import today

    hashes = [{"h": matching_hash("resident_id", n)} for n in numbers]
    t0 = time.perf_counter()
    db.session.execute(sa.text("CREATE TEMPORARY TABLE bench_list (h VARCHAR(64))"))
    db.session.execute(sa.text("INSERT INTO bench_list (h) VALUES (:h)"), hashes)
    found = db.session.execute(
        sa.text(
            "SELECT r.id, r.record_uid, r.deciding_agency, r.payload, r.term_end "
            "FROM bench_list l JOIN integrity_records r ON r.subject_hash = l.h "
            "WHERE r.status = 'active' AND (r.term_end IS NULL OR r.term_end >= :on)"
        ),
        {"on": today()},
    ).all()
    elapsed = time.perf_counter() - t0
    db.session.rollback()
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_list"))
    db.session.commit()
    return elapsed, len(found)


def run(app, args) -> None:
    from app.auth.models import Role, User
    from app.demo.loader import ensure_agencies
    from app.records.matching import match_subjects
    from app.screening.models import Screening
    from app.screening.reading import read_file
    from app.screening.services import start_screening, submit_screening

    with app.app_context():
        upgrade()
        agencies = ensure_agencies()
        user = db.session.scalar(sa.select(User).where(User.username == "bench"))
        if user is None:
            user = User(
                username="bench", display_name="bench", agency=agencies["SH"], password_hash="x"
            )
            user.set_roles([Role.screener])
            db.session.add(user)
            db.session.commit()
        held = db.session.scalar(sa.text("SELECT count(*) FROM integrity_records"))
        if held != args.records:
            t0 = time.perf_counter()
            seed_records(args.records)
            print(f"seeded {args.records:,} records in force in {time.perf_counter() - t0:.1f} s")
        data, numbers = applicant_list(args.rows, args.hits, args.records)

        floor, floor_hits = floor_join(numbers)
        hashes = [matching_hash("resident_id", n) for n in numbers]
        db.session.expire_all()
        t0 = time.perf_counter()
        found = match_subjects(hashes)
        matching = time.perf_counter() - t0
        db.session.rollback()
        assert sum(len(v) for v in found.values()) == floor_hits, (found, floor_hits)

        t0, c0 = time.perf_counter(), time.process_time()
        screening = submit_screening(user, "benchmark", lambda: read_file(data), source="bench")
        db.session.commit()
        t1 = time.perf_counter()
        start_screening(screening, user)
        db.session.commit()
        t2, c2 = time.perf_counter(), time.process_time()
        screening = db.session.get(Screening, screening.id)
        assert screening.status.value == "finished", screening.status
        hits = screening.hits
    ratio = matching / floor if floor else float("inf")
    print(
        f"screening {args.rows:,} rows against {args.records:,} records in force: "
        f"matching {matching:.3f} s beside the floor (one SQL join of the hashed list) "
        f"{floor:.3f} s, {ratio:.1f}x; {hits:,} hits (floor {floor_hits:,})"
    )
    print(
        f"whole job {t2 - t0:.2f} s: reading, checking, hashing and storing the list "
        f"{t1 - t0:.2f} s, the job (matching, row results, Excel workbook) {t2 - t1:.2f} s; "
        f"Python CPU {c2 - c0:.2f} s"
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--hits", type=int, default=1000)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the database when it already holds --records records (no re-seeding)",
    )
    args = parser.parse_args()
    if not args.keep:
        recreate_database(args.database)
    with tempfile.TemporaryDirectory() as tmp:
        run(create_app(bench_config(args.database, Path(tmp))), args)


if __name__ == "__main__":
    main()
