#!/usr/bin/env bash
# Creates .venv and installs the project with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
# 文书 PDFs (WeasyPrint, app/documents) need Pango and the CJK fonts; pages and maps use the same fonts.
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
  else
    echo "fonts-noto-cjk or Pango missing: install them (apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0) to issue PDF documents"
  fi
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Test-only JavaScript tools (axe-core for the accessibility browser tests), from package-lock.json.
if [ -f package.json ] && command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --silent >/dev/null || echo "npm ci failed: the accessibility browser tests will skip (fail under CI=true)"
fi
