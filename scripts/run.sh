#!/usr/bin/env bash
# Set up (if needed) and start DeviceCheck: the tray app with a display, the report without.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
exec .venv/bin/devicecheck "$@"
