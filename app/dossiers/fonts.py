"""The dossier's CJK font, prepared once at install time (`flask prepare-fonts`).

Debian's Noto CJK comes as .ttc collections of five regional faces; WeasyPrint then
embeds from the whole collection. Extracting the Simplified Chinese face into a single
OpenType file under instance/fonts/ once, and loading it with @font-face from that local
file, keeps every dossier's font handling to the one face it needs. Without the prepared
files the system's "Noto Sans CJK SC" is used through fontconfig, which still works.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

SYSTEM_FONTS = {
    "Regular": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "Bold": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
}
FAMILY = "DossierCJK"


def font_dir() -> Path:
    return Path(current_app.instance_path) / "fonts"


def prepared_fonts() -> dict[str, Path]:
    folder = font_dir()
    found = {w: folder / f"{FAMILY}-{w}.otf" for w in SYSTEM_FONTS}
    return {w: p for w, p in found.items() if p.exists()}


def prepare_fonts(force: bool = False) -> list[Path]:
    """Extract the "CJK SC" face of each installed Noto Sans CJK collection."""
    from fontTools.ttLib import TTCollection

    folder = font_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for weight, source in SYSTEM_FONTS.items():
        target = folder / f"{FAMILY}-{weight}.otf"
        if target.exists() and not force:
            continue
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: install Debian's fonts-noto-cjk")
        collection = TTCollection(str(source), lazy=True)
        face = next(
            (f for f in collection.fonts if "CJK SC" in (f["name"].getDebugName(1) or "")),
            collection.fonts[0],
        )
        tmp = target.with_suffix(".tmp")
        face.save(str(tmp))
        tmp.replace(target)
        written.append(target)
    return written


def font_css() -> str:
    fonts = prepared_fonts()
    rules = []
    for weight, path in fonts.items():
        css_weight = 700 if weight == "Bold" else 400
        rules.append(
            f'@font-face {{ font-family: "{FAMILY}"; font-weight: {css_weight}; '
            f'src: url("{path.resolve().as_uri()}"); }}'
        )
    return "\n".join(rules)
