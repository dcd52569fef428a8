"""Prints how fast the evidence file store takes in a large upload (hash, fsync, link),
beside its floor: the same bytes hashed with SHA-256 and written to one file with fsync.

Usage: .venv/bin/python -m benchmarks.evidence_store [megabytes]
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from app import create_app
from app.evidence import storage
from benchmarks.common import bench_config

CHUNK = 1024 * 1024


def floor(payload: bytes, folder: Path) -> float:
    """Seconds to hash and durably write the bytes with nothing else: what any store costs."""
    start = time.perf_counter()
    digest = hashlib.sha256()
    with open(folder / "floor.bin", "wb") as out:
        for offset in range(0, len(payload), CHUNK):
            chunk = payload[offset : offset + CHUNK]
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - start


def main(megabytes: int = 100) -> None:
    payload = b"%PDF-1.4\n" + os.urandom(megabytes * 1024 * 1024)
    megabytes_stored = len(payload) / 1e6
    with tempfile.TemporaryDirectory() as root:
        app = create_app(bench_config("sqlite://", Path(root)))
        allowed = app.config["EVIDENCE_ALLOWED_TYPES"]
        with app.app_context():
            for label in ("new blob", "same content again (dedupe)"):
                start = time.perf_counter()
                stored = storage.store_stream(io.BytesIO(payload), len(payload), allowed)
                seconds = time.perf_counter() - start
                print(
                    f"{label}: {megabytes_stored:.0f} MB in {seconds:.2f} s "
                    f"= {megabytes_stored / seconds:.0f} MB/s (created={stored.created})"
                )
        bare = floor(payload, Path(root))  # beside the store's own files/
        print(
            f"floor (SHA-256 and one fsynced write alone): {megabytes_stored:.0f} MB in "
            f"{bare:.2f} s = {megabytes_stored / bare:.0f} MB/s"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
