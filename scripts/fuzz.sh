#!/usr/bin/env bash
# Long fuzzing run: schemathesis with every check against a served demo database, as admin and as an
# enterprise user. The test suite runs a bounded version (tests/test_fuzz.py); this is the long one.
#   bash scripts/fuzz.sh [sqlite|postgresql] [seconds per role, default 600]
# Reports (JUnit XML and the NDJSON event log) go to fuzz-report/<backend>-<role>/, the server's log to
# fuzz-report/<backend>-server.log; the summary prints last.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
seconds="${2:-600}"
port="${FUZZ_PORT:-8765}"
work="$(mktemp -d)"
export SHUANGKONG_DATA_DIR="$work" SHUANGKONG_MODE=demo SHUANGKONG_SECURE_COOKIES=false
export SHUANGKONG_SECRET_KEY="fuzzing-only-secret-key-0123456789abcdef"
pg_db=""
case "$backend" in
  sqlite) export SHUANGKONG_DATABASE_URL="sqlite:///$work/fuzz.db" ;;
  postgresql)
    pg_db="shuangkong_fuzz_$$"
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pg_db"
    export SHUANGKONG_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$pg_db" ;;
  *) echo "用法：bash scripts/fuzz.sh [sqlite|postgresql] [每个角色的秒数]" >&2; exit 2 ;;
esac
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "$pg_db" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

.venv/bin/shuangkong db upgrade >/dev/null
.venv/bin/shuangkong demo --no-serve --allow-postgresql >/dev/null
mkdir -p fuzz-report
log="fuzz-report/$backend-server.log"
.venv/bin/shuangkong serve --port "$port" >"$log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/openapi.json" >/dev/null && break; sleep 0.5; done

token() {
  curl -sf "http://127.0.0.1:$port/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

status=0
for role in admin enterprise; do
  case "$role" in admin) tok="$(token admin Admin@2026)" ;; enterprise) tok="$(token enterprise Ent@2026)" ;; esac
  out="fuzz-report/$backend-$role"
  mkdir -p "$out"
  # Logging out would end the run's own token.
  .venv/bin/st run "http://127.0.0.1:$port/openapi.json" --checks all --max-time "$seconds" --workers 2 --request-timeout 60 \
    --exclude-path /api/auth/logout -H "Authorization: Bearer $tok" --seed 20261203 \
    --report junit,ndjson --report-dir "$out" >"$out/summary.txt" 2>&1 || status=$?
  echo "== $backend $role (exit $status) =="
  tail -n 40 "$out/summary.txt"
done
if grep -q "Traceback" "$log"; then
  echo "服务端日志中有 Traceback（全文见 $log）：" && grep -B2 -A20 "Traceback" "$log" | head -80
  status=1
fi
exit "$status"
