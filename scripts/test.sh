#!/usr/bin/env bash
# Set up everything and run the whole suite: lint, types, unit, UI (offscreen) and
# end-to-end tests (real app under Xvfb with the trayer tray host).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
