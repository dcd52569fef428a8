#!/usr/bin/env bash
# Runs the whole suite on SQLite and on PostgreSQL side by side, each in two pytest-xdist
# workers that share its test files out (`--dist loadfile`: a module's tests, and its module
# fixtures, stay in one worker), so the machine's two cores stay busy until both are done.
# Each worker has its own database and Redis database for the queue tests
# (tests/conftest.py): SQLite's take Redis 15 and 14, PostgreSQL's 13 and 12. Then prints both
# logs whole, SQLite first. Fails when either run fails; a run that collected no test
# (pytest's exit 5) fails too. Tests that start their own app server on a SQLite file of
# their own (marker `own_server`: most browser tests) run once, in the SQLite run: on
# PostgreSQL they would repeat the very same test. Each log ends with its 25 slowest tests,
# for keeping the whole run within its time.
set -uo pipefail
pytest=${PYTEST:-.venv/bin/pytest}
pg_url=${PG_URL:?PG_URL names the PostgreSQL test database}
redis_base=${TEST_REDIS_BASE:-redis://127.0.0.1:6379}
logs=$(mktemp -d "${TMPDIR:-/tmp}/yrd-suites.XXXXXX")
trap 'kill 0 2>/dev/null' INT TERM

workers=(-n 2 --dist loadfile)
TEST_REDIS_URL="$redis_base/15" "$pytest" -q -p no:cacheprovider "${workers[@]}" --durations=25 \
  >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
TEST_REDIS_URL="$redis_base/13" TEST_DATABASE_URL="$pg_url" "$pytest" -q -p no:cacheprovider \
  "${workers[@]}" --durations=25 -m "not own_server" >"$logs/postgres.log" 2>&1 &
postgres_pid=$!

wait "$sqlite_pid"; sqlite_rc=$?
echo "== test suite on SQLite (exit $sqlite_rc)"
cat "$logs/sqlite.log"
wait "$postgres_pid"; postgres_rc=$?
echo "== test suite on PostgreSQL, $pg_url (exit $postgres_rc)"
cat "$logs/postgres.log"
rm -rf "$logs"
[ "$sqlite_rc" -eq 0 ] && [ "$postgres_rc" -eq 0 ]
