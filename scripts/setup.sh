#!/usr/bin/env bash
# Creates .venv and installs the project with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Test-only JavaScript tools (axe-core for the accessibility browser tests), from package-lock.json.
if [ -f package.json ] && command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --silent >/dev/null || echo "npm ci failed: the accessibility browser tests will skip (fail under CI=true)"
fi
