"""HTML to PDF with WeasyPrint, timed per step (data loading is timed by the caller)."""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from app.dossiers.fonts import font_dir


class LocalFilesOnly(URLFetcher):
    """A dossier may load nothing but the prepared font files: no network, no other file."""

    def __init__(self, allowed: list[Path]):
        super().__init__(allowed_protocols={"file"}, fail_on_errors=False)
        self._allowed = [p.resolve() for p in allowed]

    def fetch(self, url, headers=None):
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)).resolve()
        if url.startswith("file:") and any(path.is_relative_to(a) for a in self._allowed):
            return super().fetch(url, headers)
        raise ValueError(f"dossiers may not load {url}")


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    timings: dict[str, float] = field(default_factory=dict)
    sections: list[dict] = field(default_factory=list)


# Sections that start a new page (the first section always does).
BREAK_BEFORE = ("timeline", "evidence", "findings")


def whole_chunks(sections: list[dict]) -> list[dict]:
    """Each section whole, as the single pass lays it out."""
    return [
        _chunk(s, n, s["data"], 0, first=True, breaks=n == 1 or s["key"] in BREAK_BEFORE)
        for n, s in enumerate(sections, start=1)
    ]


def _chunk(section, number, data, start, *, first, breaks) -> dict:
    return {
        "s": section,
        "number": number,
        "data": data,
        "start": start,
        "first": first,
        "breaks": breaks,
    }


def render_html(context: dict) -> str:
    return render_template(
        "dossiers/dossier.html", chunks=whole_chunks(context["sections"]), **context
    )


@contextmanager
def collector_paused():
    """WeasyPrint builds hundreds of thousands of small objects and frees them together;
    the cyclic collector scanning them during layout costs about a tenth of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def html_to_pdf(
    html: str,
    *,
    pdfa: bool = False,
    timings: dict | None = None,
    on_layout=None,
    fonts: str | None = None,
) -> Rendered:
    """`on_layout(document)`, if given, sees WeasyPrint's laid-out document before writing.
    `fonts`: the prepared fonts' folder, for a process with no app (else the app's)."""
    timings = timings if timings is not None else {}
    folder = Path(fonts) if fonts else font_dir()
    with collector_paused():
        t0, c0 = time.perf_counter(), time.process_time()
        document = HTML(string=html, url_fetcher=LocalFilesOnly([folder])).render()
        if on_layout is not None:
            on_layout(document)
        t1, c1 = time.perf_counter(), time.process_time()
        options = {"pdf_variant": "pdf/a-3b"} if pdfa else {}
        pdf = document.write_pdf(**options)
        t2, c2 = time.perf_counter(), time.process_time()
    timings.update({"layout": t1 - t0, "write_pdf": t2 - t1})
    timings.update({"layout_cpu": c1 - c0, "write_pdf_cpu": c2 - c1})
    return Rendered(pdf=pdf, pages=len(document.pages), timings=timings)
