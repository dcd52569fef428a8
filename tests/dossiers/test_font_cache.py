"""`flask prepare-fonts` keeps what it prepares in the user's cache, so another checkout on
the same machine copies it instead of preparing it again; a changed source file is prepared
afresh, and an empty YRD_FONT_CACHE turns the cache off."""

from __future__ import annotations

import os

import pytest

from app.dossiers import fonts


def _prepared_from(source, target):
    target.write_bytes(b"prepared from " + source.read_bytes())


def _never(source, target):
    raise AssertionError(f"{source} was prepared again")


@pytest.fixture
def sources(tmp_path, monkeypatch):
    folder = tmp_path / "system"
    folder.mkdir()
    faces = {}
    for weight in fonts.SYSTEM_FONTS:
        faces[weight] = folder / f"{weight}.ttc"
        faces[weight].write_bytes(weight.encode())
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", faces)
    monkeypatch.setattr(fonts, "font_dir", lambda: tmp_path / "checkout" / "fonts")
    monkeypatch.setenv("YRD_FONT_CACHE", str(tmp_path / "cache"))
    return faces


def _targets(tmp_path):
    return sorted((tmp_path / "checkout" / "fonts").glob(f"{fonts.FAMILY}-*"))


def test_a_prepared_face_is_copied_from_the_cache_into_the_next_checkout(
    tmp_path, sources, monkeypatch
):
    monkeypatch.setattr(fonts, "prepare_face", _prepared_from)
    first = fonts.prepare_fonts()
    assert len(first) == 2
    assert {p.read_bytes() for p in first} == {b"prepared from Regular", b"prepared from Bold"}
    assert len(list((tmp_path / "cache").iterdir())) == 2

    for path in first:  # a new checkout: nothing prepared there
        path.unlink()
    monkeypatch.setattr(fonts, "prepare_face", _never)
    again = fonts.prepare_fonts()
    assert {p.read_bytes() for p in again} == {b"prepared from Regular", b"prepared from Bold"}
    assert _targets(tmp_path) == sorted(again)
    assert not list((tmp_path / "checkout" / "fonts").glob("*.tmp"))


def test_a_changed_source_is_prepared_again(tmp_path, sources, monkeypatch):
    monkeypatch.setattr(fonts, "prepare_face", _prepared_from)
    prepared = fonts.prepare_fonts()
    for path in prepared:
        path.unlink()
    regular = sources["Regular"]
    regular.write_bytes(b"Regular, a newer release")
    os.utime(regular, ns=(regular.stat().st_atime_ns, regular.stat().st_mtime_ns + 10**9))
    fonts.prepare_fonts()
    contents = {p.read_bytes() for p in _targets(tmp_path)}
    assert contents == {b"prepared from Regular, a newer release", b"prepared from Bold"}
    assert len(list((tmp_path / "cache").iterdir())) == 3  # the older entry stays unused


def test_an_empty_cache_setting_turns_the_cache_off(tmp_path, sources, monkeypatch):
    monkeypatch.setenv("YRD_FONT_CACHE", "")
    monkeypatch.setattr(fonts, "prepare_face", _prepared_from)
    prepared = fonts.prepare_fonts()
    assert not (tmp_path / "cache").exists()
    for path in prepared:
        path.unlink()
    monkeypatch.setattr(fonts, "prepare_face", _never)
    with pytest.raises(AssertionError, match="prepared again"):
        fonts.prepare_fonts()
