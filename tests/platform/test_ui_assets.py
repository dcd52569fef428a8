"""Pages load only assets this server serves: no CDN, no external URL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui_helpers import sign_in, text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_templates_link_no_external_url():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {url}"
        for path in TEMPLATES.rglob("*.html")
        for url in ASSET.findall(path.read_text())
        if re.match(r"(https?:)?//", url)
    ]
    assert not offenders


def test_every_asset_a_page_uses_is_served(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",)))
    page = text(client.get("/"))
    assets = [url for url in ASSET.findall(page) if url.startswith("/static/")]
    assert len(assets) >= 4  # Bootstrap CSS and JS, the app's CSS and JS
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_every_case_state_has_a_badge_colour():
    """A state without a rule renders a white label on no background: invisible."""
    from app.cases.models import CaseState

    css = (TEMPLATES.parent / "app" / "static" / "css" / "app.css").read_text(encoding="utf-8")
    rules = re.findall(r"([^{}]*)\{([^}]*)\}", css)
    coloured = {
        name
        for selectors, body in rules
        if "background" in body
        for name in re.findall(r"\.state-(\w+)", selectors)
    }
    assert {s.value for s in CaseState} - coloured == set()
