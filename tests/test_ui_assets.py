"""Pages load only assets this server serves: no CDN, no external URL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui_helpers import sign_in, text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
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
