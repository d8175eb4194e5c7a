#!/usr/bin/env bash
# Set up everything and run the whole suite: lint, types, unit, UI (offscreen) and
# end-to-end tests (real app under Xvfb with the trayer tray host).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
# The Windows and macOS branches too (most councils run Windows), then tests/ and
# installer/ (tests non-strictly: pyproject.toml). A few seconds each.
echo "== mypy (win32)"; .venv/bin/mypy --platform win32 src/devicecheck
echo "== mypy (darwin)"; .venv/bin/mypy --platform darwin src/devicecheck
echo "== mypy (tests, installer)"; .venv/bin/mypy tests installer
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
