"""The line charts draw a line for every series their legend names (the page and the annual
report), read from the rendered SVG."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from app.cases.models import CaseSource

YEAR = 2026
SVG = "{http://www.w3.org/2000/svg}"


def _figure_svg(page: str, key: str) -> str:
    start = page.index(f'data-testid="figure-{key}"')
    start = page.index("<svg", start)
    return page[start : page.index("</svg>", start) + len("</svg>")]


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _groups(root, cls: str):
    return [g for g in root.iter(f"{SVG}g") if cls in _classes(g)]


def lines_by_legend(svg: str) -> dict[str, list[str]]:
    """Each legend entry's label and the path data of the drawn lines whose stroke is the
    stroke of that entry's symbol."""
    root = ET.fromstring(svg)
    lines: dict[tuple[str, str], list[str]] = {}
    for group in _groups(root, "mark-line"):
        for path in group.iter(f"{SVG}path"):
            key = (path.get("stroke") or "", path.get("stroke-dasharray") or "")
            lines.setdefault(key, []).append(path.get("d") or "")
    found = {}
    for entry in _groups(root, "role-legend-entry"):
        for inner in entry.iter(f"{SVG}g"):
            if "role-legend-symbol" in _classes(inner):
                symbol = next(inner.iter(f"{SVG}path"))
            if "role-legend-label" in _classes(inner):
                label = "".join(next(inner.iter(f"{SVG}text")).itertext())
        key = (symbol.get("stroke") or "", symbol.get("stroke-dasharray") or "")
        found[label] = lines.get(key, [])
    return found


def assert_every_legend_entry_has_a_line(svg: str, points: int) -> None:
    found = lines_by_legend(svg)
    assert found, "the chart has a legend"
    for label, paths in found.items():
        drawn = [d for d in paths if len(re.findall(r"[ML]", d)) >= points]
        assert drawn, f"no line drawn for {label!r}"


@pytest.fixture
def months(make_case):
    for month in range(1, 5):
        make_case("SH", source=CaseSource.letter, received_date=dt.date(YEAR, month, 5))
    make_case("JS", source=CaseSource.letter, received_date=dt.date(YEAR, 2, 9))


@pytest.mark.parametrize("path", ["/statistics", "/statistics/region"])
def test_the_pages_line_charts_draw_every_series_of_their_legend(months, make_user, login, path):
    client = login(make_user("SH", roles=("supervisor",)))
    page = client.get(f"{path}?year={YEAR}").get_data(as_text=True)
    svg = _figure_svg(page, "received")
    assert_every_legend_entry_has_a_line(svg, points=12)
    if path == "/statistics":
        assert list(lines_by_legend(svg)) == ["上海市科学技术委员会"]


def test_the_annual_reports_line_charts_draw_every_series(months, make_user, monkeypatch):
    import app.dossiers.render as render
    from app.statistics.reports import build_report

    seen = {}

    def capture(html):
        seen["html"] = html
        return SimpleNamespace(pdf=b"%PDF", pages=1)

    monkeypatch.setattr(render, "html_to_pdf", capture)
    build_report(make_user("SH", roles=("supervisor",)), "agency", YEAR, "en")
    svgs = re.findall(r"<svg.*?</svg>", seen["html"], flags=re.S)
    lines = [svg for svg in svgs if "mark-line" in svg]
    assert lines  # cases received by month
    for svg in lines:
        assert_every_legend_entry_has_a_line(svg, points=12)
