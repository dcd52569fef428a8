"""Removing blob files that no evidence references, and temporary files of dead uploads.

A file without a row is left when an upload stored its file but its transaction was then
rolled back (a refused file later in the same batch, a crash, a lost connection). An
upload inserts its row before it links the file into place; the sweep, for each file it
found without a row, inserts that row itself first. If an upload holds the row
(uncommitted), the sweep's insert waits for it and then finds it there: the file is kept.
If the sweep holds it, an upload of the same content waits, and after the sweep's
transaction (row deleted again) inserts the row and links its own copy back into place.
Either way no committed row ever names a missing file.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from app.core import audit
from app.evidence import storage
from app.evidence.models import Blob
from app.extensions import db

TEMP_AGE = dt.timedelta(days=1)
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass
class SweepReport:
    orphans: int = 0
    removed: int = 0
    bytes_freed: int = 0
    kept_in_use: int = 0
    stale_temp: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _blob_files(root: Path) -> dict[str, Path]:
    return {
        p.name: p
        for p in root.glob("??/*")
        if _SHA.fullmatch(p.name) and p.parent.name == p.name[:2] and p.is_file()
    }


def _known(names: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        known.update(db.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(chunk))))
    db.session.rollback()  # no transaction held while files are removed one by one
    return known


def sweep_orphans(*, dry_run: bool = False, temp_age: dt.timedelta = TEMP_AGE) -> SweepReport:
    from app.evidence.services import claim_blob_row

    root = storage.store_root()
    report = SweepReport()
    files = _blob_files(root)
    names = sorted(files)
    known = _known(names)
    orphans = [n for n in names if n not in known]
    report.orphans = len(orphans)
    for sha in orphans:
        path = files[sha]
        size = path.stat().st_size
        if dry_run:
            report.bytes_freed += size
            continue
        claim = storage.Received(sha, size, "application/octet-stream", "")
        if not claim_blob_row(claim):
            db.session.rollback()
            report.kept_in_use += 1
            continue
        _remove(path)
        db.session.execute(delete(Blob).where(Blob.sha256 == sha))
        db.session.commit()
        report.removed += 1
        report.bytes_freed += size
    cutoff = time.time() - temp_age.total_seconds()
    for tmp in (root / "tmp").glob("upload-*"):
        if tmp.stat().st_mtime < cutoff:
            report.stale_temp += 1
            if not dry_run:
                tmp.unlink(missing_ok=True)
    if not dry_run and (report.removed or report.stale_temp):
        audit.record("evidence.sweep", details=report.as_dict())
        db.session.commit()
    return report


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
