"""Time one large Chinese dossier: data loading, HTML rendering, WeasyPrint layout, PDF
writing; print pages and peak memory, and the floor: WeasyPrint alone on the same HTML.

    .venv/bin/python -m benchmarks.dossier [--runs 2] [--out /tmp/dossier.pdf] [--pdfa]
        [--database URL] [--evidence 500] [--interviews 50] [--history 100] [--processes N]

The case is real (registered through the services, walked to a decision) with 100 extra
procedural-timeline rows and 500 evidence items added through the evidence services (files
stored content-addressed, a few physical items, a few withdrawn) and 50 interview records
added through the notes service. The database is a fresh SQLite file unless --database names
one, which is dropped and recreated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.common import bench_config, recreate_database

WORDS = [
    "课题组",
    "实验数据",
    "原始记录",
    "论文",
    "图表",
    "重复使用",
    "伦理审查",
    "项目经费",
    "合同",
    "评审",
    "专家意见",
    "样本",
    "统计分析",
    "结论",
    "引用",
    "署名",
    "通讯作者",
    "期刊",
    "撤稿",
    "调查组",
    "询问",
    "笔录",
    "材料",
    "核实",
    "情况",
    "说明",
]


def sentence(rng: random.Random, n: int) -> str:
    return "，".join("".join(rng.choice(WORDS) for _ in range(3)) for _ in range(n)) + "。"


def add_interviews(case, actor, rng: random.Random, count: int) -> None:
    """Interview records through the notes service, as the case team records them."""
    from app.notes.services import NoteInput, add_note

    for i in range(count):
        add_note(
            case,
            actor,
            NoteInput(
                kind="interview",
                title=f"第 {i + 1} 次谈话",
                happened_on=dt.date(2026, 5, (i % 28) + 1),
                body=sentence(rng, 6),
                visibility=rng.choice(["internal", "shared"]),
                interviewee=rng.choice(["张伟", "李强", "赵敏"]),
                location="调查组会议室",
            ),
        )


def add_evidence(case, actor, rng: random.Random, count: int) -> None:
    """Items the way users add them: mostly PDFs, some physical, some withdrawn."""
    import io

    from app.evidence.services import (
        Upload,
        add_file_evidence,
        register_physical_item,
        withdraw_evidence,
    )

    for i in range(count):
        title = f"证据材料{i:03d}：{rng.choice(WORDS)}{rng.choice(WORDS)}"
        visibility = rng.choice(["internal", "shared"])
        if i % 25 == 0:
            register_physical_item(
                case, title, actor, location=f"档案室{i % 7 + 1}号柜", visibility=visibility
            )
            continue
        body = b"%PDF-1.4\n% " + str(i).encode() + b"\n" + os.urandom(rng.randint(200, 4000))
        item = add_file_evidence(
            case, Upload(io.BytesIO(body), f"{title}.pdf"), actor, visibility=visibility
        )
        if i % 50 == 7:
            withdraw_evidence(item, "重复提交", actor)


def make_case(db, args):
    from sqlalchemy import select

    from app.auth.models import Agency, Role, User
    from app.auth.passwords import hash_password
    from app.cases.models import HistoryEntry, MisconductType, PartyType
    from app.cases.services import (
        AllegationInput,
        CaseInput,
        ComplainantInput,
        RespondentInput,
        register_case,
    )
    from app.demo import scenario

    rng = random.Random(7)
    agency = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    officer = User(
        username="bench-officer",
        display_name="基准测试专员",
        agency=agency,
        password_hash=hash_password("bench-password-123"),
    )
    officer.set_roles([Role.officer])
    db.session.add(officer)
    db.session.flush()
    case = register_case(
        CaseInput(
            title="关于某研究团队多篇论文涉嫌数据造假及署名不当的举报",
            source="letter",
            received_date=dt.date(2026, 3, 2),
            summary=sentence(rng, 20),
            respondents=[
                RespondentInput(name=n, party_type=PartyType.person, institution="某大学")
                for n in ("张伟", "李强", "赵敏")
            ],
            allegations=[
                AllegationInput(misconduct_type=t, description=sentence(rng, 8))
                for t in (
                    MisconductType.fabrication_falsification,
                    MisconductType.authorship_violation,
                )
            ],
            complainant=ComplainantInput(anonymous=False, name="李娜", contact="13800000000"),
        ),
        officer,
    )
    from app.cases.models import CaseState

    scenario.walk(case, CaseState.decided)
    for i in range(args.history):
        db.session.add(
            HistoryEntry(
                case_id=case.id,
                action="note",
                actor_id=officer.id,
                at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
                reason=sentence(rng, 2),
            )
        )
    add_evidence(case, case.lead.user, rng, args.evidence)
    add_interviews(case, case.lead.user, rng, args.interviews)
    db.session.commit()
    return case.id, case.lead.user_id


def weasyprint_floor(html: str) -> float:
    """Seconds WeasyPrint alone takes for the same HTML, with its defaults: the part of a
    dossier that no change of ours can remove."""
    from weasyprint import HTML

    start = time.perf_counter()
    HTML(string=html).write_pdf()
    return time.perf_counter() - start


SIGN_BUDGET_MS = 200  # issue #23: report signing adds at most 200 ms to a dossier


def warm_up_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>warm-up</p>").write_pdf()


def signing_floor(pdf: bytes) -> float:
    """What any signature of the whole file costs: hashing it and one signature."""
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    start = time.perf_counter()
    key.sign(hashlib.sha256(pdf).digest(), ec.ECDSA(hashes.SHA256()))
    return time.perf_counter() - start


def capture_html() -> dict:
    """Keeps what the dossier service renders, so the floor lays out exactly that HTML (the
    whole dossier as one document, also when the service lays it out in parts)."""
    import app.dossiers.services as services

    seen: dict = {}
    render = services.render_dossier

    def keeping(context, **kwargs):
        seen["context"] = context
        return render(context, **kwargs)

    services.render_dossier = keeping
    return seen


SAMPLER = """
import sys, time
parent, me = int(sys.argv[1]), str(__import__("os").getpid())
def tree(pid):
    out = [pid]
    try:
        for task in __import__("os").listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    if child != me:
                        out += tree(child)
    except OSError:
        pass
    return out
def kib(pid, path, key):
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
peak_rss = peak_pss = most = 0
while True:
    pids = tree(str(parent))
    rss = sum(kib(p, "status", "VmRSS:") for p in pids)
    pss = sum(kib(p, "smaps_rollup", "Pss:") for p in pids)
    peak_rss, peak_pss, most = max(peak_rss, rss), max(peak_pss, pss), max(most, len(pids))
    print(peak_rss, peak_pss, most, flush=True)
    time.sleep(0.1)
"""


class MemorySampler:
    """The sum of the resident memory of this process and its worker processes, sampled
    every 100 ms by a separate process (a thread here would change how the dossier starts its
    workers): RSS counts memory a forked worker shares with this process in both; PSS splits
    it between them. Reading PSS walks each process's memory map under its lock, and the
    sampler shares the cores with the workers it measures, so it samples no more often."""

    def __enter__(self):
        import subprocess
        import sys

        self.proc = subprocess.Popen(
            [sys.executable, "-c", SAMPLER, str(os.getpid())],
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        lines = self.proc.communicate()[0].splitlines()
        rss, pss, most = (int(v) for v in (lines[-1] if lines else "0 0 0").split())
        self.rss_mib, self.pss_mib, self.processes = rss / 1024, pss / 1024, most


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its waited-for children (the dossier's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--out", default=None)
    parser.add_argument("--pdfa", action="store_true")
    parser.add_argument("--database", default=None, help="dropped and recreated")
    parser.add_argument("--evidence", type=int, default=500)
    parser.add_argument("--interviews", type=int, default=50)
    parser.add_argument("--history", type=int, default=100, help="extra timeline rows")
    parser.add_argument(
        "--processes", type=int, default=None, help="DOSSIER_PROCESSES (1: one pass)"
    )
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="yrd-bench-"))
    database = args.database or f"sqlite:///{tmp / 'bench.sqlite'}"
    recreate_database(database)
    config = bench_config(database, tmp)
    if args.processes:
        config["DOSSIER_PROCESSES"] = args.processes
    app = create_app(config)
    with app.app_context(), app.test_request_context():
        upgrade()
        from app.demo.loader import ensure_agencies

        ensure_agencies()
        db.session.commit()
        case_id, user_id = make_case(db, args)
        from app.auth.models import User
        from app.cases.models import Case
        from app.dossiers.fonts import prepared_fonts
        from app.dossiers.models import DossierLevel
        from app.dossiers.services import build_dossier, store_dossier

        seen = capture_html()
        fonts = prepared_fonts()
        from app.core.pdfsign import sign_pdf, signing_material

        # Once per node (its signing certificate) and per process (the library's import),
        # as the fonts are: not part of any dossier's time.
        signing_material()
        sign_pdf(warm_up_pdf())
        print(f"font: {fonts or 'system Noto Sans CJK SC (fontconfig)'}")
        for run in range(1, args.runs + 1):
            db.session.expire_all()
            case, user = db.session.get(Case, case_id), db.session.get(User, user_id)
            timings: dict = {}
            own0, children0 = cpu_seconds()
            start = time.perf_counter()
            with MemorySampler() as memory:
                rendered, _id, _at = build_dossier(
                    case, user, DossierLevel.internal, pdfa=args.pdfa, timings=timings
                )
                total = time.perf_counter() - start
                own1, children1 = cpu_seconds()
            # the workers are the fork server's children, not this process's: they report
            # their own CPU (a single pass has none)
            cpu, workers_cpu = own1 - own0, timings.get("workers_cpu", children1 - children0)
            # What the job does next: store the PDF, record each evidence item's export in
            # its chain of custody and the audit log, commit.
            t_store = time.perf_counter()
            store_dossier(case, user, DossierLevel.internal, rendered, _id, pdfa=args.pdfa)
            db.session.commit()
            store = time.perf_counter() - t_store
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"run {run}: total {total:.2f}s = load {timings['load']:.2f}s + html "
                f"{timings['html']:.2f}s + layout {timings['layout']:.2f}s + write_pdf "
                f"{timings['write_pdf']:.2f}s; {rendered.pages} pages, "
                f"{len(rendered.pdf) / 1024:.0f} KiB, peak RSS {peak:.0f} MiB"
            )
            # Other processes share the 2 cores: CPU seconds show what an idle machine takes.
            print(
                f"       CPU {cpu + workers_cpu:.2f}s = this process {cpu:.2f}s + worker processes "
                f"{workers_cpu:.2f}s (layout {timings['layout_cpu']:.2f}s, write_pdf "
                f"{timings['write_pdf_cpu']:.2f}s), load average {os.getloadavg()[0]:.1f}"
            )
            if "part_pages" in timings:
                print(
                    f"       in {len(timings['part_pages'])} parts of "
                    f"{'+'.join(str(n) for n in timings['part_pages'])} pages: html "
                    f"{timings['html']:.2f}s, parts {timings['parts']:.2f}s (CPU "
                    f"{timings['parts_cpu']:.2f}s, peak RSS "
                    f"{'/'.join(f'{m:.0f}' for m in timings['part_max_rss_mib'])} MiB), frame "
                    f"{timings['frame']:.2f}s (CPU {timings['frame_cpu']:.2f}s), join "
                    f"{timings['join']:.2f}s"
                )
            print(
                f"       memory: this process peak RSS {peak:.0f} MiB; all {memory.processes} "
                f"processes at once at most {memory.rss_mib:.0f} MiB RSS, "
                f"{memory.pss_mib:.0f} MiB PSS"
            )
            print(
                f"       then storing (file, custody exports, audit) {store:.2f}s: "
                f"{total + store:.2f}s from request to stored dossier"
            )
            print(
                f"       signing (PAdES, node key) {timings['sign'] * 1000:.0f} ms of the total, "
                f"budget {SIGN_BUDGET_MS} ms (CPU {timings['sign_cpu'] * 1000:.0f} ms); floor "
                f"(SHA-256 of the file and one ECDSA P-256 signature) "
                f"{signing_floor(rendered.pdf) * 1000:.1f} ms"
            )
            from flask_babel import force_locale

            from app.dossiers.render import render_html

            with force_locale("zh"):
                html = render_html(seen["context"])
            cpu_floor = time.process_time()
            floor = weasyprint_floor(html)
            cpu_floor = time.process_time() - cpu_floor
            print(
                f"       floor (WeasyPrint alone, same HTML) {floor:.2f}s: the dossier takes "
                f"{total / floor:.2f}x the floor, {(total + store) / floor:.2f}x with storing; "
                f"floor CPU {cpu_floor:.2f}s"
            )
        if args.out:
            Path(args.out).write_bytes(rendered.pdf)
            print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
