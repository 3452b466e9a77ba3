#!/usr/bin/env bash
# Sets up and runs the 秦皇岛 demo on SQLite; prints the URL and the demo logins.
# Extra arguments go to `shuangkong demo` (for example --reset, --port 8080, --host 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/shuangkong demo "$@"
