"""Prints how fast the evidence file store takes in a large upload (hash, fsync, link).

Usage: .venv/bin/python benchmarks/evidence_store.py [megabytes]
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time

from app import create_app
from app.evidence import storage


def main(megabytes: int = 100) -> None:
    payload = b"%PDF-1.4\n" + os.urandom(megabytes * 1024 * 1024)
    with tempfile.TemporaryDirectory() as root:
        app = create_app({"FILE_STORE": root, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        allowed = app.config["EVIDENCE_ALLOWED_TYPES"]
        with app.app_context():
            for label in ("new blob", "same content again (dedupe)"):
                start = time.perf_counter()
                stored = storage.store_stream(io.BytesIO(payload), len(payload), allowed)
                seconds = time.perf_counter() - start
                print(
                    f"{label}: {len(payload) / 1e6:.0f} MB in {seconds:.2f} s "
                    f"= {len(payload) / 1e6 / seconds:.0f} MB/s (created={stored.created})"
                )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
