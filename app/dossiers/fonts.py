"""The dossier's CJK font, prepared once at install time (`flask prepare-fonts`).

Debian's Noto CJK comes as .ttc collections of five regional faces with OpenType layout
tables, hinting and CFF outlines. A dossier needs one face, lays Chinese out horizontally
and is subset into the PDF by HarfBuzz, so the preparation keeps the Simplified Chinese
face with every character of its cmap, drops the layout tables (vertical forms, regional
variants, kerning), drops hinting and converts the outlines to TrueType. Layout and PDF
writing are faster with it and a dossier is about half the size; text stays selectable.

Without the prepared files the system's "Noto Sans CJK SC" is used through fontconfig,
which still works, more slowly; a character the prepared face lacks falls back the same way.

A prepared face is also kept in the user's cache folder (`YRD_FONT_CACHE`, by default
`~/.cache/yrd-integrity/fonts`; empty: none), named after the preparation and the source
file's size and time, so another checkout on the same machine copies it instead of spending
the minutes again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flask import current_app

SYSTEM_FONTS = {
    "Regular": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "Bold": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
}
FAMILY = "DossierCJK"
# Bump when the preparation changes: files of an older preparation are rebuilt.
PREPARATION = "2"
DROPPED_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx", "DSIG"]


class FontsUnavailable(RuntimeError):
    pass


def font_dir() -> Path:
    return Path(current_app.instance_path) / "fonts"


def _target(folder: Path, weight: str) -> Path:
    return folder / f"{FAMILY}-{weight}.v{PREPARATION}.ttf"


def prepared_fonts() -> dict[str, Path]:
    folder = font_dir()
    found = {w: _target(folder, w) for w in SYSTEM_FONTS}
    return {w: p for w, p in found.items() if p.exists()}


def harfbuzz_subsetting() -> bool:
    """WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is installed; without
    it, it falls back to fontTools, which takes many seconds per CJK dossier."""
    from weasyprint.text.ffi import harfbuzz_subset

    return harfbuzz_subset is not None


def cache_dir() -> Path | None:
    configured = os.environ.get("YRD_FONT_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "yrd-integrity" / "fonts"


def _cached(weight: str, source: Path) -> Path | None:
    """Where the cache keeps `source` prepared: a changed source file is another entry."""
    folder = cache_dir()
    if folder is None:
        return None
    stat = source.stat()
    return folder / f"{FAMILY}-{weight}.v{PREPARATION}-{stat.st_size}-{stat.st_mtime_ns}.ttf"


def _copy(source: Path, target: Path) -> None:
    """Copied whole under a temporary name, then renamed: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)


def prepare_fonts(force: bool = False) -> list[Path]:
    """Prepare each weight (in parallel: each takes a minute or more of CPU), or copy it
    from the cache when it was prepared there from the same source file."""
    if not harfbuzz_subsetting():
        raise FontsUnavailable("libharfbuzz-subset0 is missing: install Debian's package")
    folder = font_dir()
    folder.mkdir(parents=True, exist_ok=True)
    todo = {}
    for weight, source in SYSTEM_FONTS.items():
        target = _target(folder, weight)
        if target.exists() and not force:
            continue
        if not source.exists():
            raise FontsUnavailable(f"{source} is missing: install Debian's fonts-noto-cjk")
        todo[weight] = (source, target)
    cached = {w: _cached(w, source) for w, (source, _target_path) in todo.items()}
    fresh = {w: paths for w, paths in todo.items() if force or not _exists(cached[w])}
    for weight in todo.keys() - fresh.keys():
        _copy(cached[weight], todo[weight][1])
    if fresh:
        with ProcessPoolExecutor(max_workers=len(fresh)) as pool:
            list(pool.map(prepare_face, *zip(*fresh.values(), strict=True)))
        for weight, (_source, target) in fresh.items():
            if cached[weight] is not None:
                # A read-only home keeps nothing: the next checkout prepares its own.
                with contextlib.suppress(OSError):
                    _copy(target, cached[weight])
    current = {_target(folder, w) for w in SYSTEM_FONTS}
    for stale in set(folder.glob(f"{FAMILY}-*")) - current:
        stale.unlink()
    return [target for _source, target in todo.values()]


def _exists(path: Path | None) -> bool:
    return path is not None and path.is_file()


def prepare_face(source: Path, target: Path) -> None:
    """Extract the "CJK SC" face of a collection, strip it and give it TrueType outlines."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(source), lazy=False)
    face = next(
        (f for f in collection.fonts if "CJK SC" in (f["name"].getDebugName(1) or "")),
        collection.fonts[0],
    )
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += DROPPED_TABLES
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=face.getBestCmap().keys())
    subsetter.subset(face)
    _cff_to_glyf(face)
    tmp = target.with_suffix(".tmp")
    face.save(str(tmp))
    tmp.replace(target)


def _cff_to_glyf(face) -> None:
    """Quadratic TrueType outlines in place of the CFF table (within one font unit)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = face.getGlyphOrder()
    glyph_set = face.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    face["glyf"] = glyf
    face["loca"] = newTable("loca")
    del face["CFF "]
    face.sfntVersion = "\x00\x01\x00\x00"
    maxp = face["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    face["head"].glyphDataFormat = 0
    face["post"].formatType = 3.0


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
