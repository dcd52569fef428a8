"""A long dossier laid out in parts, in parallel worker processes, and joined into one PDF.

WeasyPrint lays a document out on one core; a 250-page dossier takes most of its time
there. Split, each part is a document of its own (its sections, or a run of a long list's
items) with the dossier's page header, footer and watermark, laid out and written in a
worker process. A worker paginates its part, tells the job's process how many pages it has
and waits; once every part has said so, the job's process answers each with the number of
its first page and the total, and the workers number their pages (WeasyPrint's page
counters, set before the margin boxes are laid out) and write them. The front (cover and
table of contents) is laid out in a worker process too, first to count its pages, at the end
with the page each section starts on. Joining concatenates the pages, links the table of
contents to its sections and builds the outline from every part's headings; the job signs
and hashes the joined file.

Every part starts on a new page, so a cut inside a list leaves its last page part-empty:
the cuts are placed by weight (the items' text), one per process.

Worker processes start from a fork server that holds this module's imports and nothing
else: a worker holds its own layout, not a copy of the job's process with the case loaded
(forked from the job, each worker peaked ≈110 MiB higher), the job's process never loads
WeasyPrint's fonts, and no process is forked while other threads run (a fork may copy a
lock another thread holds). The server starts with the first dossier laid out in parts and
serves the process's later ones. What a worker runs is passed to it by reference, so a test
can swap it. A part that fails or whose process dies fails the whole dossier
(`PartFailed`), the other workers are stopped, and nothing is stored.
"""

from __future__ import annotations

import gc
import io
import os
import resource
import time
from dataclasses import dataclass
from multiprocessing import get_context

from flask import current_app, render_template

from app.dossiers.render import BREAK_BEFORE, Rendered, _chunk, collector_paused

# The least weight (characters of the sections' data and their markup) of a part, unless
# DOSSIER_PART_MIN_WEIGHT says otherwise: a lighter dossier is laid out in one pass, as
# starting workers and laying out the frame would cost more than they save.
MIN_PART_WEIGHT = 150_000
ITEM_MARKUP = 120  # characters of markup an item of a list adds to its text
PART_TIMEOUT = 900  # seconds one part may take before the dossier fails
FRONT = "dossiers/dossier.html"  # the whole dossier's template without its sections


class PartFailed(RuntimeError):
    """A part of a split dossier could not be laid out: the dossier fails whole."""


@dataclass
class Part:
    pdf: bytes
    pages: int
    anchors: dict[str, tuple]  # name: (page index in the part, x1, y1, x2, y2) in CSS px
    bookmarks: list[tuple]  # (page index in the part, level, label, x, y) in CSS px
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
    """Lay out the runs in parallel, numbered as one document, the front, and join."""
    from app.dossiers.fonts import font_dir

    fonts = str(font_dir())
    t0, c0 = time.perf_counter(), time.process_time()
    htmls = [render_template("dossiers/dossier_part.html", chunks=run, **context) for run in runs]
    t1 = time.perf_counter()
    fronts: dict = {}

    def count_front() -> int:
        """While the parts paginate: the front's pages (its contents' numbers take no more
        room once known)."""
        numbers = {f"s-{s['key']}": 9999 for s in context["sections"]}
        draft = render_template(FRONT, chunks=(), toc_pages=numbers, total=99999, **context)
        fronts["count"], fronts["count_cpu"] = front_in_worker(front_pages, draft, fonts)
        return fronts["count"]

    parts = lay_out_parts(htmls, fonts, count_front)
    t2, c2 = time.perf_counter(), time.process_time()
    total = fronts["count"] + sum(p.pages for p in parts)
    toc_pages, first = {}, fronts["count"]
    for part in parts:
        for name, (page, *_rect) in part.anchors.items():
            toc_pages.setdefault(name, first + page + 1)
        first += part.pages
    front_html = render_template(FRONT, chunks=(), toc_pages=toc_pages, total=total, **context)
    front_pdf, front_count, seen, front_timings = front_in_worker(
        lay_out_front, front_html, fonts, pdfa
    )
    if front_count != fronts["count"]:
        raise PartFailed(f"the front has {front_count} pages, counted {fronts['count']}")
    t3 = time.perf_counter()
    pdf = join(front_pdf, seen, parts)
    t4, c4 = time.perf_counter(), time.process_time()
    timings.update(
        {
            "html": t1 - t0,
            "parts": t2 - t1,
            "parts_cpu": sum(p.cpu for p in parts),
            "part_pages": [p.pages for p in parts],
            "part_max_rss_mib": [p.max_rss_kib / 1024 for p in parts],
            "frame": t3 - t2,
            "frame_cpu": front_timings["layout_cpu"] + front_timings["write_pdf_cpu"],
            # CPU of the worker processes: not the job's children, the fork server's
            "workers_cpu": sum(p.cpu for p in parts)
            + fronts["count_cpu"]
            + front_timings["layout_cpu"]
            + front_timings["write_pdf_cpu"],
            "join": t4 - t3,
            # what the single pass reports under these names, for the benchmark's line
            "layout": t2 - t1 + front_timings["layout"],
            "write_pdf": front_timings["write_pdf"] + (t4 - t3),
            "layout_cpu": (c2 - c0) + sum(p.cpu for p in parts),
            "write_pdf_cpu": c4 - c2,
        }
    )
    return Rendered(pdf=pdf, pages=total, timings=timings)


def front_pages(html: str, fonts: str) -> tuple[int, float]:
    """The front's pages, laid out only to count them, and the CPU it took (in a worker)."""
    from pathlib import Path

    from weasyprint import HTML

    from app.dossiers.render import LocalFilesOnly

    cpu = time.process_time()
    with collector_paused():
        document = HTML(string=html, url_fetcher=LocalFilesOnly([Path(fonts)])).render()
    return len(document.pages), time.process_time() - cpu


def lay_out_front(html: str, fonts: str, pdfa: bool) -> tuple[bytes, int, dict, dict]:
    """The front as a PDF, its pages, its marks (`_marks`) and timings (in a worker)."""
    from app.dossiers.render import html_to_pdf

    seen: dict = {}
    timings: dict = {}
    front = html_to_pdf(
        html,
        pdfa=pdfa,
        timings=timings,
        on_layout=lambda doc: seen.update(_marks(doc)),
        fonts=fonts,
    )
    return front.pdf, front.pages, seen, timings


def _marks(document) -> dict:
    """The front's bookmarks and where its contents entries are (CSS px)."""
    bookmarks, entries = [], {}
    for n, page in enumerate(document.pages):
        bookmarks += [(n, level, label, x, y) for level, label, (x, y), _s in page.bookmarks]
        for name, rect in page.anchors.items():
            if name.startswith("toc-"):
                entries[name[4:]] = (n, *rect)
    return {"bookmarks": bookmarks, "entries": entries, "height": document.pages[0].height}


# --- worker processes ---------------------------------------------------------------------


def _context():
    """Processes started from the fork server (see the module's docstring)."""
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload([__name__])  # heeded when the server starts
    return ctx


def lay_out_parts(htmls: list[str], fonts: str, meanwhile=lambda: 0) -> list[Part]:
    """Each HTML laid out and written in a process of its own, all at once; `meanwhile()`
    runs here while they paginate and returns the pages before the first part."""
    ctx = _context()
    running: dict = {}
    try:
        for index, html in enumerate(htmls):
            here, there = ctx.Pipe()
            process = ctx.Process(target=_part_process, args=(there, html, fonts, lay_out_part))
            process.start()
            there.close()
            running[index] = (here, process)
        first = meanwhile()
        counts = [_receive(running, i, len(htmls), "paginated") for i in range(len(htmls))]
        total = first + sum(counts)
        for index, count in enumerate(counts):
            running[index][0].send((first, total))
            first += count
        results = [_receive(running, i, len(htmls), "written") for i in range(len(htmls))]
        for index in range(len(htmls)):
            here, process = running.pop(index)
            here.close()
            process.join()
        return results
    finally:
        for here, process in running.values():
            process.kill()
            process.join()
            here.close()


def front_in_worker(work, *args):
    """`work(*args)`, a step of the front's layout, in a worker process: its answer, or
    `PartFailed` naming the front."""
    ctx = _context()
    here, there = ctx.Pipe()
    process = ctx.Process(target=_answer, args=(there, work, args))
    process.start()
    there.close()
    try:
        return _receive({0: (here, process)}, 0, 1, "done", name="the front")
    finally:
        here.close()
        process.join(5)
        if process.exitcode is None:
            process.kill()
            process.join()


def _answer(conn, work, args) -> None:
    try:
        conn.send(("done", work(*args)))
    except BaseException as exc:  # the parent reports it; the process ends either way
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _receive(running: dict, index: int, count: int, expected: str, name: str = ""):
    here, process = running[index]
    name = name or f"part {index + 1} of {count}"
    if not here.poll(PART_TIMEOUT):
        raise PartFailed(f"{name} took more than {PART_TIMEOUT} s")
    try:
        status, payload = here.recv()
    except EOFError:
        process.join(5)
        raise PartFailed(f"{name}: its process stopped (exit code {process.exitcode})") from None
    if status != expected:
        raise PartFailed(f"{name}: {payload}")
    return payload


def _part_process(conn, html: str, fonts: str, work) -> None:
    """`work` is `lay_out_part`, passed by reference (a test may pass another)."""

    def numbering(pages: int) -> tuple[int, int]:
        conn.send(("paginated", pages))
        return conn.recv()

    try:
        conn.send(("written", work(html, fonts, numbering)))
    except BaseException as exc:  # the parent reports it; the process ends either way
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def lay_out_part(html: str, fonts: str, numbering) -> Part:
    """One part, laid out and written (no app needed). `numbering(pages)` is asked, once
    the part is paginated, for the number of the page before its first and the total."""
    from pathlib import Path

    import weasyprint.layout as layout
    from weasyprint import HTML

    from app.dossiers.render import LocalFilesOnly

    cpu = time.process_time()
    paginate, margins = layout.make_all_pages, layout.make_margin_boxes
    known: dict = {}

    def counting(*args):
        pages = list(paginate(*args))
        known["pages"] = len(pages)
        return pages

    def numbered(context, page, state):
        if "first" not in known:
            known["first"], known["total"] = numbering(known["pages"])
        values = state[1]
        values["page"] = [known["first"] + context.current_page]
        values["pages"] = [known["total"]]
        return margins(context, page, state)

    layout.make_all_pages, layout.make_margin_boxes = counting, numbered
    try:
        with collector_paused():
            document = HTML(string=html, url_fetcher=LocalFilesOnly([Path(fonts)])).render()
            anchors: dict = {}
            bookmarks = []
            for n, page in enumerate(document.pages):
                for name, rect in page.anchors.items():
                    anchors.setdefault(name, (n, *rect))  # the first page of a long element
                bookmarks += [
                    (n, level, label, x, y) for level, label, (x, y), _s in page.bookmarks
                ]
            pdf = document.write_pdf()
    finally:
        layout.make_all_pages, layout.make_margin_boxes = paginate, margins
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


# --- joining ------------------------------------------------------------------------------

PT = 0.75  # PDF points per CSS pixel


def join(front_pdf: bytes, front: dict, parts: list[Part]) -> bytes:
    """The front's pages, then every part's; the contents entries linked to their sections
    and the outline built as WeasyPrint builds it, from every part's headings."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    reader = PdfReader(io.BytesIO(front_pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # PDF/A-3b's 1.7
    height = front["height"]
    marks = list(front["bookmarks"])
    targets: dict[str, tuple] = {}
    first = len(writer.pages)
    for part in parts:
        for page in PdfReader(io.BytesIO(part.pdf)).pages:
            writer.add_page(page)
        marks += [(first + n, level, label, x, y) for n, level, label, x, y in part.bookmarks]
        for name, (n, x1, y1, *_rest) in part.anchors.items():
            targets.setdefault(name, (first + n, x1, y1))
        first += part.pages
    for key, (n, x1, y1, x2, y2) in front["entries"].items():
        target = targets.get(f"s-{key}")
        if target is None:
            continue
        page, x, y = target
        writer.add_annotation(
            n,
            Link(
                rect=(x1 * PT, (height - y2) * PT, x2 * PT, (height - y1) * PT),
                target_page_index=page,
                fit=Fit.xyz(left=x * PT, top=(height - y) * PT),
            ),
        )
    if "/Outlines" in writer._root_object:
        del writer._root_object["/Outlines"]
    parents: list[tuple[int, object]] = []  # (level, outline item) of the open ancestors
    for page, level, label, x, y in marks:
        while parents and parents[-1][0] >= level:
            parents.pop()
        item = writer.add_outline_item(
            title=label,
            page_number=page,
            parent=parents[-1][1] if parents else None,
            fit=Fit.xyz(left=x * PT, top=(height - y) * PT),
        )
        parents.append((level, item))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
