"""One chart definition per table: a Vega-Lite specification (built with Vega-Altair),
rendered to SVG on the server by vl-convert, whose engine ships inside its wheel. The page
inlines the SVG and the annual report hands the same SVG to WeasyPrint, so both show the
same vector chart without a browser, a script or a network.

Text is set in the dossier's prepared CJK face (registered with vl-convert so labels are
measured in it; the report embeds it, browsers fall back to the system's Noto CJK).
Series differ by grey level, dash and a dark outline, so a grey-scale print stays legible.
Withheld cells are left out of a chart: it never shows what its table withholds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import uuid
from pathlib import Path

from flask import current_app
from markupsafe import escape

from app.statistics.tables import Table

FONT = "DossierCJK, 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"
GREYS = ["#1a1a1a", "#7a7a7a", "#b5b5b5", "#4d4d4d", "#d9d9d9", "#999999"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2], [4, 4], [1, 3]]
_lock = threading.Lock()
_fonts_registered: set[str] = set()


def chart_data(table: Table, *, gaps: bool = False) -> list[dict]:
    """Count cells as chart points; a withheld cell is left out, or with `gaps` kept as a
    null that breaks a line rather than joining its neighbours across it. A point's series
    is its column's label, the key the chart's scales (and so its legend) are built on, also
    for a table of one column: a point outside the scale's domain is drawn without a colour."""
    data = []
    for row in table.rows:
        if row.kind != "count":
            continue
        for key, label in table.columns:
            value = row.cells[key].shown
            if value is None and not gaps:
                continue
            data.append({"c": row.label, "s": str(label), "v": value})
    return data


def chart_svg(table: Table) -> str | None:
    """The table's chart as SVG, or None for a table without one. Built and rendered once
    per distinct chart: the cache key is everything the chart shows (its kind, points and
    series), so a figure whose counts change gets a new chart and an unchanged one costs
    nothing."""
    kind = table.figure.chart
    data = chart_data(table, gaps=kind == "line")
    if kind == "none" or not any(d["v"] for d in data):
        return None
    names = tuple(label for _k, label in table.columns)
    svg = _render(kind, json.dumps(data, sort_keys=True, ensure_ascii=False), names)
    return named(svg, table)


def chart_ids(key: str) -> tuple[str, str]:
    """The ids of a figure's heading and of its table, which name and describe its chart on
    the page and in the report (`statistics/_table.html`, `statistics/report.html`)."""
    return f"fig-{key}-title", f"fig-{key}-data"


def named(svg: str, table: Table) -> str:
    """The chart as an image with a name: its figure's heading labels it, the figure's table
    (every count it draws) describes it, and a `<title>` says the same to a reader of the
    SVG alone. Added after the cache, which holds charts by what they draw, not by title."""
    title_id, data_id = chart_ids(table.key)
    aria = f'<svg role="img" aria-labelledby="{title_id}" aria-describedby="{data_id}" '
    svg = svg.replace('<svg role="img" ', aria, 1)
    end = svg.index(">", svg.index("<svg ")) + 1
    return f"{svg[:end]}<title>{escape(table.title)}</title>{svg[end:]}"


def chart_spec(kind: str, data: list[dict], names: list[str]) -> dict:
    """The Vega-Lite specification of a chart of `data` points in series `names`."""
    import altair as alt

    series = len(names) > 1
    colour = alt.Color("s:N", title=None, scale=alt.Scale(domain=names, range=GREYS))
    if kind == "line":
        base = alt.Chart(alt.Data(values=data)).mark_line(
            point=True, strokeWidth=2, invalid="break-paths-show-domains"
        )
        encoding = {
            "x": alt.X("c:O", title=None, sort=None),
            "y": alt.Y("v:Q", title=None, axis=alt.Axis(tickMinStep=1)),
            "color": colour,
            "strokeDash": alt.StrokeDash(
                "s:N", title=None, scale=alt.Scale(domain=names, range=DASHES)
            ),
        }
    else:
        base = alt.Chart(alt.Data(values=data)).mark_bar(stroke="#000", strokeWidth=0.5)
        encoding = {
            "y": alt.Y("c:N", title=None, sort=None),
            "x": alt.X("v:Q", title=None, axis=alt.Axis(tickMinStep=1)),
            "color": colour if series else alt.value("#555"),
        }
        if series:
            encoding["yOffset"] = alt.YOffset("s:N", sort=names)
    chart = base.encode(**encoding).properties(width=460, height=220)
    spec = chart.to_dict()
    spec["config"] = {
        "font": FONT,
        # Agencies' full names share their first words: cut short, they read alike.
        "legend": {"orient": "bottom", "labelFontSize": 11, "labelLimit": 0, "columns": 2},
        "axis": {"labelFontSize": 11, "labelLimit": 220},
        "view": {"stroke": None},
    }
    return spec


# Bump when chart_spec changes, so SVGs stored by an older definition are not reused.
CHART_VERSION = "2"


@functools.lru_cache(maxsize=512)
def _render(kind: str, data_json: str, names: tuple[str, ...]) -> str:
    """In memory per process, and in the file store across processes: the page's web
    process and the report's worker render a chart of the same figures once."""
    key = hashlib.sha256(
        json.dumps([CHART_VERSION, FONT, kind, data_json, names], ensure_ascii=False).encode()
    ).hexdigest()
    stored = Path(current_app.config["FILE_STORE"]) / "charts" / key[:2] / f"{key}.svg"
    if stored.exists():
        return stored.read_text(encoding="utf-8")
    import vl_convert

    spec = chart_spec(kind, json.loads(data_json), list(names))
    _register_fonts()
    with _lock:
        svg = vl_convert.vegalite_to_svg(spec).replace("<svg ", '<svg role="img" ', 1)
    stored.parent.mkdir(parents=True, exist_ok=True)
    partial = stored.with_suffix(f".{uuid.uuid4().hex}.tmp")
    partial.write_text(svg, encoding="utf-8")
    partial.replace(stored)  # atomic: a reader sees a whole SVG or none
    return svg


def _register_fonts() -> None:
    import vl_convert

    from app.dossiers.fonts import font_dir

    folder = str(font_dir())
    if folder in _fonts_registered:
        return
    with _lock:
        vl_convert.register_font_directory(folder)
        _fonts_registered.add(folder)
