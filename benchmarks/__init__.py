"""Performance scripts, each printing the platform's figures beside its floor (the same work
without the platform). Run them from the repository root as modules,
`.venv/bin/python -m benchmarks.exchange`, so that `benchmarks/statistics.py` never shadows
the standard `statistics` module; `tests/platform/test_benchmarks.py` runs every one at a
tiny size."""
