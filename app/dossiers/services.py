"""Requesting, building, storing, downloading and verifying case dossiers."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.core import audit
from app.core.errors import NotAllowed
from app.core.pdfsign import record_signed, sign_pdf
from app.core.times import local_time
from app.dossiers.loader import DossierContext, load_sections
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.permissions import allowed_levels, may_see_complainant
from app.dossiers.render import html_to_pdf, render_html
from app.extensions import db

LEVEL_LABELS = {
    DossierLevel.internal: "内部卷宗（完整）",
    DossierLevel.shared: "共享卷宗（已脱敏）",
}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def request_dossier(case: Case, user: User, level: DossierLevel, pdfa: bool = False):
    """Queue the generation; the requester sees its progress and then the PDF."""
    from app.dossiers.tasks import generate_dossier
    from app.jobs import enqueue

    if level not in allowed_levels(user, case):
        raise NotAllowed(_l("You may not request a dossier at this level for this case."))
    audit.record(
        "dossier.requested", actor=user, case=case, details={"level": level.value, "pdfa": pdfa}
    )
    return enqueue(
        generate_dossier,
        case.id,
        user.id,
        level.value,
        pdfa,
        queue="dossiers",
        description=f"{case.reference} {level.value}",
        user=user,
        case=case,
    )


def build_dossier(
    case: Case,
    user: User,
    level: DossierLevel,
    *,
    pdfa: bool = False,
    document_id: str | None = None,
    timings: dict | None = None,
    on_loaded=None,
):
    """Load, render, lay out and sign one dossier; returns (Rendered, document id, generated at).

    Everything is read from the database before `on_loaded()` is called (a job commits
    there, so the seconds of layout hold no transaction open); nothing is read after."""
    timings = timings if timings is not None else {}
    document_id = document_id or uuid.uuid4().hex[:20].upper()
    generated_at = dt.datetime.now(SHANGHAI)
    t0 = time.perf_counter()
    with force_locale("zh"):
        ctx = DossierContext(case, user, level, may_see_complainant(user, case, level), document_id)
        sections = load_sections(ctx)
        meta = {
            "reference": case.reference,
            "title": case.title,
            "agency": case.agency.name_zh,
            "level_label": LEVEL_LABELS[level],
            "requester": f"{user.display_name}（{user.agency.name_zh}）",
            "generated_at": local_time(generated_at),
            "document_id": document_id,
        }
        t1 = time.perf_counter()
        if on_loaded is not None:
            on_loaded()
        from app.dossiers.fonts import font_css

        context = {"meta": meta, "sections": sections, "shared": ctx.shared, "font_css": font_css()}
        timings["load"] = t1 - t0
        rendered = render_dossier(context, pdfa=pdfa, timings=timings)
    t3, c3 = time.perf_counter(), time.process_time()
    reason = f"案件卷宗 {case.reference} · 文档编号 {document_id}"
    rendered.pdf = sign_pdf(rendered.pdf, reason=reason)
    timings["sign"] = time.perf_counter() - t3
    timings["sign_cpu"] = time.process_time() - c3
    rendered.sections = sections
    return rendered, document_id, generated_at


def render_dossier(context: dict, *, pdfa: bool, timings: dict):
    """One pass, or in parts laid out in parallel and joined (app.dossiers.parts) when the
    dossier is long and more than one process is allowed (DOSSIER_PROCESSES)."""
    from app.dossiers import parts

    runs = parts.plan(context["sections"], parts.processes(), parts.min_part_weight())
    if len(runs) > 1:
        return parts.render_split(context, runs, pdfa=pdfa, timings=timings)
    t0 = time.perf_counter()
    html = render_html(context)
    timings["html"] = time.perf_counter() - t0
    return html_to_pdf(html, pdfa=pdfa, timings=timings)


def store_dossier(case, user, level, rendered, document_id, *, pdfa=False, job_id=None) -> Dossier:
    digest = hashlib.sha256(rendered.pdf).hexdigest()
    relative = Path("dossiers") / case.reference / f"{document_id}.pdf"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(rendered.pdf)
    tmp.replace(target)
    dossier = Dossier(
        document_id=document_id,
        case_id=case.id,
        level=level,
        requested_by_id=user.id,
        job_id=job_id,
        sha256=digest,
        size=len(rendered.pdf),
        pages=rendered.pages,
        pdfa=pdfa,
        path=str(relative),
    )
    db.session.add(dossier)
    record_signed(rendered.pdf, kind="dossier", code=document_id)
    db.session.flush()
    audit.record(
        "dossier.generated",
        actor=user,
        case=case,
        obj=dossier,
        details={"level": level.value, "sha256": digest, "document_id": document_id},
    )
    for section in rendered.sections:
        if section.get("on_stored") and section["data"] is not None:
            section["on_stored"](section["data"], dossier, user)
    return dossier


def dossier_path(dossier: Dossier) -> Path:
    return Path(current_app.config["FILE_STORE"]) / dossier.path


def record_download(dossier: Dossier, user: User) -> None:
    audit.record(
        "dossier.downloaded",
        actor=user,
        case=db.session.get(Case, dossier.case_id),
        obj=dossier,
        details={"document_id": dossier.document_id},
    )


def verify_pdf(data: bytes) -> Dossier | None:
    """The stored dossier this file is, byte for byte; None for anything else."""
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(select(Dossier).where(Dossier.sha256 == digest))


def claimed_document_id(data: bytes) -> str | None:
    """The document id written into a PDF's metadata, to tell an altered copy apart."""
    import io

    from pypdf import PdfReader

    try:
        info = PdfReader(io.BytesIO(data)).metadata or {}
    except Exception:
        return None
    keywords = str(info.get("/Keywords") or "")
    parts = [p.strip() for p in keywords.split(",")]
    if len(parts) >= 2 and parts[0] == "yrd-dossier":
        return parts[1]
    return None
