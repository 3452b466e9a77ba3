#!/usr/bin/env bash
# Sets up and runs every check: ruff, mypy and the pytest suite on SQLite and PostgreSQL.
# PostgreSQL: 127.0.0.1:5432, user postgres (override with SHUANGKONG_TEST_PG). Each run uses a fresh
# database. Under CI=true the PostgreSQL tests fail if the server is unreachable; elsewhere they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Browser tests use Debian's Chromium (never a browser downloaded by a tool); setup.sh has installed the
# CJK fonts and Pango.
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium missing: install it (apt-get install chromium) for the browser tests"
  fi
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is down; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi

.venv/bin/ruff check app tests benchmarks migrations
.venv/bin/ruff format --check app tests benchmarks
.venv/bin/mypy
# Two workers (one per core on the CI machine); each test module stays on one worker, so module fixtures
# (live servers, clusters) are built once; tests/conftest.py puts the slowest modules first.
# (Not --dist loadgroup: with pytest 9 it no longer groups.) SHUANGKONG_TEST_WORKERS=0: one process.
.venv/bin/pytest -n "${SHUANGKONG_TEST_WORKERS:-2}" --dist loadscope "$@"
