"""Median wall time of ``devicecheck check --json`` against a bare
``python -c "import psutil, platformdirs"`` measured in the same run.

Target: median <= 0.5 s. Prints both medians and their ratio.
Usage: python benchmarks/check_latency.py [--runs N] [--policy FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_S = 0.5


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=60)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--policy", help="policy file to pass to check")
    args = ap.parse_args()
    check = [sys.executable, "-m", "devicecheck", "check", "--json"]
    if args.policy:
        check += ["--policy", args.policy]
    bare = [sys.executable, "-c", "import psutil, platformdirs"]
    wall(check)  # warm the page cache and .pyc files for both
    wall(bare)
    checks, bares = [], []
    for _ in range(args.runs):  # interleaved so machine load affects both alike
        checks.append(wall(check))
        bares.append(wall(bare))
    med_check, med_bare = statistics.median(checks), statistics.median(bares)
    print(f"devicecheck check --json: median {med_check:.3f} s over {args.runs} runs")
    print(f"baseline (import psutil, platformdirs): median {med_bare:.3f} s")
    print(f"ratio: {med_check / med_bare:.2f}x baseline")
    verdict = "meets" if med_check <= TARGET_S else "MISSES"
    print(f"target median <= {TARGET_S} s: {verdict}")
    return 0 if med_check <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
