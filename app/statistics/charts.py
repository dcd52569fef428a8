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
import json
import threading

from app.statistics.tables import Table

FONT = "DossierCJK, 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"
GREYS = ["#1a1a1a", "#7a7a7a", "#b5b5b5", "#4d4d4d", "#d9d9d9", "#999999"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2], [4, 4], [1, 3]]
_lock = threading.Lock()
_fonts_registered: set[str] = set()


def chart_data(table: Table, *, gaps: bool = False) -> list[dict]:
    """Count cells as chart points; a withheld cell is left out, or with `gaps` kept as a
    null that breaks a line rather than joining its neighbours across it."""
    series = len(table.columns) > 1
    data = []
    for row in table.rows:
        if row.kind != "count":
            continue
        for key, label in table.columns:
            value = row.cells[key].shown
            if value is None and not gaps:
                continue
            data.append({"c": row.label, "s": label if series else "", "v": value})
    return data


def chart_spec(table: Table) -> dict | None:
    """The Vega-Lite specification of a table's chart, or None for a table without one."""
    import altair as alt

    kind = table.figure.chart
    data = chart_data(table, gaps=kind == "line")
    if kind == "none" or not any(d["v"] for d in data):
        return None
    names = [label for _k, label in table.columns]
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
        "legend": {"orient": "bottom", "labelFontSize": 11},
        "axis": {"labelFontSize": 11, "labelLimit": 220},
        "view": {"stroke": None},
    }
    return spec


def chart_svg(table: Table) -> str | None:
    spec = chart_spec(table)
    if spec is None:
        return None
    return _render(json.dumps(spec, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=512)
def _render(spec_json: str) -> str:
    import vl_convert

    _register_fonts()
    with _lock:
        svg = vl_convert.vegalite_to_svg(json.loads(spec_json))
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _register_fonts() -> None:
    import vl_convert

    from app.dossiers.fonts import font_dir

    folder = str(font_dir())
    if folder in _fonts_registered:
        return
    with _lock:
        vl_convert.register_font_directory(folder)
        _fonts_registered.add(folder)
