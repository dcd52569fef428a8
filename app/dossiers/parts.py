"""A long dossier laid out in parts, in parallel worker processes, and joined into one PDF.

WeasyPrint lays a document out on one core; a 250-page dossier takes most of its time
there. Split, each part is a document of its own (its sections, or a run of a long list's
items), laid out and written in a worker process. Then one more, small document is laid out
in the job's process: the frame, holding the cover, the table of contents and one blank page
for each page of the parts, each blank page carrying the anchors and bookmarks its part had
there, at the same place, and the header, footer and watermark every page has. WeasyPrint
thus numbers the pages 1..N, resolves the table of contents' page numbers and builds the
outline over the whole document, as in a single pass; joining lays each part's page under
its blank page (as a form XObject, without parsing the page's drawing). The job signs and
hashes the joined file.

Every part starts on a new page, so a cut inside a list leaves its last page part-empty:
the cuts are placed by weight (the items' text), at most one per process.

Worker processes are forked when the calling process runs one thread (an `rq` work-horse, a
command, the inline fallback); a process with other threads (the web process running jobs
without Redis) starts them from a fork server instead, as forking a process with threads
may copy a lock another thread holds. A part that fails or whose process dies fails the
whole dossier (`PartFailed`), the other workers are stopped, and nothing is stored.
"""

from __future__ import annotations

import gc
import io
import os
import resource
import threading
import time
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import wait

from flask import current_app, render_template

from app.dossiers.render import BREAK_BEFORE, Rendered, _chunk, collector_paused

# The least weight (characters of the sections' data and their markup) of a part, unless
# DOSSIER_PART_MIN_WEIGHT says otherwise: a lighter dossier is laid out in one pass, as
# starting workers and laying out the frame would cost more than they save.
MIN_PART_WEIGHT = 150_000
ITEM_MARKUP = 120  # characters of markup an item of a list adds to its text
PART_TIMEOUT = 900  # seconds one part may take before the dossier fails


class PartFailed(RuntimeError):
    """A part of a split dossier could not be laid out: the dossier fails whole."""


@dataclass
class Part:
    pdf: bytes
    pages: int
    anchors: list[list[dict]]  # per page: {"name", "x", "y"} (CSS px from the content box)
    bookmarks: list[list[dict]]  # per page: {"level", "label", "x", "y"}
    cpu: float = 0.0
    max_rss_kib: int = 0


def processes() -> int:
    """DOSSIER_PROCESSES, by default the CPUs this process may use; 1 is one pass."""
    configured = current_app.config.get("DOSSIER_PROCESSES")
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def _weight(value) -> int:
    if isinstance(value, dict):
        return sum(_weight(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_weight(v) + ITEM_MARKUP for v in value)
    return len(str(value)) if value is not None else 0


def min_part_weight() -> int:
    return int(current_app.config.get("DOSSIER_PART_MIN_WEIGHT") or MIN_PART_WEIGHT)


def plan(sections: list[dict], count: int, min_weight: int = MIN_PART_WEIGHT) -> list[list[dict]]:
    """The sections cut into at most `count` runs of about equal weight, as chunks; a list
    section may be cut between two items. One run when the dossier is light."""
    units = []  # (weight, section number, item index or None)
    for n, s in enumerate(sections, start=1):
        data = s["data"]
        if isinstance(data, list) and data:
            units.append((ITEM_MARKUP * 4, n, None))  # the heading
            units += [(_weight(item) + ITEM_MARKUP, n, i) for i, item in enumerate(data)]
        else:
            units.append((_weight(data) + ITEM_MARKUP * 4, n, None))
    total = sum(w for w, _n, _i in units)
    count = max(1, min(count, total // max(1, min_weight)))
    runs: list[list[tuple[int, int | None]]] = [[] for _ in range(count)]
    done = 0
    for w, n, i in units:
        index = min(count - 1, done * count // max(total, 1))
        runs[index].append((n, i))
        done += w
    return [_chunks(sections, run) for run in runs if run]


def _chunks(sections: list[dict], run: list[tuple[int, int | None]]) -> list[dict]:
    """Consecutive units of one section become one chunk."""
    chunks: list[dict] = []
    for n, i in run:
        s = sections[n - 1]
        last = chunks[-1] if chunks else None
        if last is not None and last["number"] == n:
            last["end"] = i + 1
            continue
        first = i is None or i == 0
        breaks = first and (n == 1 or s["key"] in BREAK_BEFORE)
        chunk = _chunk(s, n, s["data"], 0 if i is None else i, first=first, breaks=breaks)
        chunk["end"] = None if i is None else i + 1
        chunks.append(chunk)
    for chunk in chunks:
        if isinstance(chunk["s"]["data"], list) and chunk["end"] is not None:
            chunk["data"] = chunk["s"]["data"][chunk["start"] : chunk["end"]]
    return chunks


def render_split(context: dict, runs: list[list[dict]], *, pdfa: bool, timings: dict) -> Rendered:
    """Lay out the runs in parallel, the frame over them, and join."""
    from app.dossiers.fonts import font_dir

    t0, c0 = time.perf_counter(), time.process_time()
    htmls = [render_template("dossiers/dossier_part.html", chunks=run, **context) for run in runs]
    t1 = time.perf_counter()
    parts = lay_out_parts(htmls, str(font_dir()), processes())
    t2, c2 = time.perf_counter(), time.process_time()
    blank_pages = [
        {"anchors": part.anchors[p], "bookmarks": part.bookmarks[p]}
        for part in parts
        for p in range(part.pages)
    ]
    frame_html = render_template("dossiers/dossier_frame.html", blank_pages=blank_pages, **context)
    from app.dossiers.render import html_to_pdf

    frame_timings: dict = {}
    seen: dict = {}

    def where_blanks_start(document) -> None:
        seen["front"] = next(
            (n for n, page in enumerate(document.pages) if "yrd-blank" in page.anchors), None
        )

    frame = html_to_pdf(frame_html, pdfa=pdfa, timings=frame_timings, on_layout=where_blanks_start)
    t3 = time.perf_counter()
    front = seen["front"]
    if front is None or frame.pages != front + len(blank_pages):
        raise PartFailed(f"the frame has {frame.pages} pages for {len(blank_pages)} of the parts")
    pdf = join(frame.pdf, front, parts)
    t4, c4 = time.perf_counter(), time.process_time()
    timings.update(
        {
            "html": t1 - t0,
            "parts": t2 - t1,
            "parts_cpu": sum(p.cpu for p in parts),
            "part_pages": [p.pages for p in parts],
            "part_max_rss_mib": [p.max_rss_kib / 1024 for p in parts],
            "frame": t3 - t2,
            "frame_cpu": frame_timings["layout_cpu"] + frame_timings["write_pdf_cpu"],
            "join": t4 - t3,
            # what the single pass reports under these names, for the benchmark's line
            "layout": t2 - t1 + frame_timings["layout"],
            "write_pdf": frame_timings["write_pdf"] + (t4 - t3),
            "layout_cpu": (c2 - c0) + sum(p.cpu for p in parts),
            "write_pdf_cpu": c4 - c2,
        }
    )
    return Rendered(pdf=pdf, pages=frame.pages, timings=timings)


# --- worker processes ---------------------------------------------------------------------


def lay_out_parts(htmls: list[str], fonts: str, workers: int) -> list[Part]:
    """Each HTML laid out and written in a process of its own, at most `workers` at once."""
    method = "fork" if threading.active_count() == 1 else "forkserver"
    ctx = get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([__name__])
    results: list[Part | None] = [None] * len(htmls)
    pending = list(enumerate(htmls))
    running: dict = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                index, html = pending.pop(0)
                receive, send = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_part_process, args=(send, html, fonts))
                process.start()
                send.close()
                running[receive] = (index, process)
            ready = wait(list(running), timeout=PART_TIMEOUT)
            if not ready:
                raise PartFailed(f"a part took more than {PART_TIMEOUT} s")
            for conn in ready:
                index, process = running.pop(conn)
                try:
                    status, payload = conn.recv()
                except EOFError:
                    process.join()
                    raise PartFailed(
                        f"part {index + 1} of {len(htmls)}: its process stopped "
                        f"(exit code {process.exitcode})"
                    ) from None
                finally:
                    conn.close()
                process.join()
                if status != "ok":
                    raise PartFailed(f"part {index + 1} of {len(htmls)}: {payload}")
                results[index] = payload
    finally:
        for conn, (_index, process) in running.items():
            process.kill()
            process.join()
            conn.close()
    return [r for r in results if r is not None]


def _part_process(conn, html: str, fonts: str) -> None:
    try:
        conn.send(("ok", lay_out_part(html, fonts)))
    except BaseException as exc:  # the parent reports it; the process ends either way
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def lay_out_part(html: str, fonts: str) -> Part:
    """One part: laid out, written, its anchors and bookmarks kept (no app needed)."""
    from pathlib import Path

    from weasyprint import HTML

    from app.dossiers.render import LocalFilesOnly

    cpu = time.process_time()
    with collector_paused():
        document = HTML(string=html, url_fetcher=LocalFilesOnly([Path(fonts)])).render()
        anchors, bookmarks, named = [], [], set()
        for page in document.pages:
            box = page._page_box
            left, top = box.content_box_x(), box.content_box_y()
            # An element over several pages is an anchor on each: the first one counts.
            anchors.append(
                [
                    {"name": n, "x": _px(x - left), "y": _px(y - top)}
                    for n, (x, y, _x2, _y2) in page.anchors.items()
                    if n not in named
                ]
            )
            named.update(page.anchors)
            bookmarks.append(
                [
                    {"level": level, "label": label, "x": _px(x - left), "y": _px(y - top)}
                    for level, label, (x, y), _state in page.bookmarks
                ]
            )
        pdf = document.write_pdf()
    pages = len(document.pages)
    del document
    gc.collect()
    return Part(
        pdf=pdf,
        pages=pages,
        anchors=anchors,
        bookmarks=bookmarks,
        cpu=time.process_time() - cpu,
        max_rss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )


def _px(value: float) -> float:
    """Kept inside the blank page's box (a marker below it would make a page of its own)."""
    return round(min(max(value, 0.0), 880.0), 2)


# --- joining ------------------------------------------------------------------------------


def join(frame_pdf: bytes, front: int, parts: list[Part]) -> bytes:
    """Each page of the parts laid under its blank page of the frame, in order."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    frame = PdfReader(io.BytesIO(frame_pdf))
    writer = PdfWriter(clone_from=frame)
    writer.pdf_header = frame.pdf_header  # PDF/A-3b's 1.7
    number = front
    for part in parts:
        reader = PdfReader(io.BytesIO(part.pdf))
        for page in reader.pages:
            target = writer.pages[number]
            name = NameObject(f"/YRDPart{number + 1}")
            form = _as_form(page, writer)
            resources = DictionaryObject(target["/Resources"].get_object())
            xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()))
            xobjects[name] = writer._add_object(form)
            resources[NameObject("/XObject")] = xobjects
            target[NameObject("/Resources")] = resources
            under = DecodedStreamObject()
            under.set_data(f"q {name} Do Q\n".encode())
            contents = target["/Contents"]
            own = contents.get_object()
            stack = list(own) if isinstance(own, ArrayObject) else [contents]
            target[NameObject("/Contents")] = ArrayObject([writer._add_object(under), *stack])
            if "/Annots" in page:
                annots = target.get("/Annots")
                merged = ArrayObject(list(annots.get_object()) if annots else [])
                merged += page["/Annots"].clone(writer)
                target[NameObject("/Annots")] = merged
            number += 1
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _as_form(page, writer):
    """A page's drawing as a form XObject, its content stream kept as it is (compressed)."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        EncodedStreamObject,
        FloatObject,
        NameObject,
    )

    contents = page["/Contents"].get_object()
    if isinstance(contents, ArrayObject):
        form = DecodedStreamObject()
        form.set_data(b"\n".join(c.get_object().get_data() for c in contents))
    else:
        form = EncodedStreamObject() if "/Filter" in contents else DecodedStreamObject()
        form._data = contents._data
        for key in ("/Filter", "/DecodeParms"):
            if key in contents:
                form[NameObject(key)] = contents[key].clone(writer)
    box = page.mediabox
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    corners = (box.left, box.bottom, box.right, box.top)
    form[NameObject("/BBox")] = ArrayObject([FloatObject(c) for c in corners])
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    if "/Group" in page:
        form[NameObject("/Group")] = page["/Group"].clone(writer)
    return form
