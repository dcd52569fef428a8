"""Job functions the tests enqueue; importable by a real `rq worker`."""

import os
import time
from pathlib import Path

from app.jobs import PermanentJobError, set_progress


def write_marker(path: str, text: str) -> dict:
    Path(path).write_text(text)
    return {"written": text}


def flaky(counter_path: str, fail_times: int) -> dict:
    """Fails `fail_times` times (a transient outage), then succeeds."""
    counter = Path(counter_path)
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    if n < fail_times:
        raise ConnectionError(f"transient failure {n + 1}")
    return {"tries": n + 1}


def refuse(reason: str) -> None:
    raise PermanentJobError(reason)


def slow_once(marker_path: str, pid_path: str) -> dict:
    """Sleeps on its first run (long enough to be killed), finishes on the next."""
    marker = Path(marker_path)
    Path(pid_path).write_text(str(os.getpid()))
    if not marker.exists():
        marker.write_text("started")
        set_progress(10, "sleeping")
        time.sleep(60)
    return {"finished": True}


def wait_for_gate(gate_path: str, marker_path: str) -> dict:
    """Waits (at most a minute) until the test opens the gate, then writes the marker: the
    test sees the job queued or running while the request that enqueued it has returned."""
    gate = Path(gate_path)
    deadline = time.monotonic() + 60
    while not gate.exists():
        if time.monotonic() > deadline:
            raise PermanentJobError("the gate was never opened")
        time.sleep(0.05)
    Path(marker_path).write_text("done")
    return {"gate": "passed"}
