"""The daily backup (scheduled in app.jobs.schedule): off unless BACKUP_DIR is set."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from app.backup.services import create_backup, default_name

PATTERNS = ("yrd-backup-*.tar.gz", "yrd-backup-*.tar.gz.enc")


def daily_backup() -> dict:
    """One archive into BACKUP_DIR (encrypted to BACKUP_ENCRYPT_TO when set), then the
    oldest archives there beyond BACKUP_KEEP are removed. A failure fails the job, which
    is the alarm; the archives kept are untouched by it."""
    folder = current_app.config.get("BACKUP_DIR")
    if not folder:
        return {"skipped": "BACKUP_DIR is not set"}
    encrypt_to = current_app.config.get("BACKUP_ENCRYPT_TO")
    output = Path(folder) / default_name(encrypted=bool(encrypt_to))
    manifest = create_backup(output, Path(encrypt_to) if encrypt_to else None)
    removed = prune(Path(folder), int(current_app.config.get("BACKUP_KEEP") or 1))
    return {
        "archive": output.name,
        "size": output.stat().st_size,
        "members": len(manifest["members"]),
        "removed": removed,
    }


def prune(folder: Path, keep: int) -> list[str]:
    """Keeps the newest `keep` archives (named by their time, so by name); at least one."""
    archives = sorted({p for pattern in PATTERNS for p in folder.glob(pattern)})
    stale = archives[: max(len(archives) - max(keep, 1), 0)]
    for path in stale:
        path.unlink()
    return [p.name for p in stale]
