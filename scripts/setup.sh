#!/usr/bin/env bash
# Set up DeviceCheck on Debian 12: apt packages, a virtualenv in .venv, the package.
# Usage: scripts/setup.sh [runtime|test]   (default: runtime)
set -euo pipefail
cd "$(dirname "$0")/.."
level=${1:-runtime}

pkgs=$(awk -v lvl="$level" '$1=="runtime" || (lvl=="test" && $1=="test") {for (i=2;i<=NF;i++) print $i}' scripts/apt-packages.txt)
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian packages: $(echo $missing)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

py=${PYTHON:-python3}
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "DeviceCheck needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$level" = test ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi
