"""Idle cost of ``devicecheck watch`` with Teams absent (nothing listening on the API
port, no Teams process) against a bare QCoreApplication idling as long, in the same run.

Both start together; after a warm-up (start-up imports are a one-off cost, reported
separately) CPU time is measured over the window. Peak RSS is the kernel's high-water
mark where the OS keeps one (Linux VmHWM, Windows peak working set), else the largest
sample. Targets: watch <= 0.3 % of one core over the window; peak RSS <= 1.5x the bare app.

Usage: python benchmarks/watch_idle.py [--seconds 60] [--warmup 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

CPU_TARGET_PCT = 0.3
RSS_TARGET_RATIO = 1.5
BARE = ("import sys\nfrom PySide6.QtCore import QCoreApplication\n"
        "app = QCoreApplication(sys.argv)\nsys.exit(app.exec())\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def peak_rss(proc: psutil.Process, sampled: int) -> int:
    """The high-water mark when the OS keeps one; the largest sample otherwise."""
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = getattr(proc.memory_info(), "peak_wset", 0)
    return max(int(peak), sampled)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="watch-idle-") as tmp:
        home = Path(tmp)
        policy = home / "policy.toml"
        url = f"ws://127.0.0.1:{free_port()}"   # free a moment ago: nothing listens
        policy.write_text(f'[teams]\nlocal_api_url = "{url}"\n', encoding="utf-8")
        # A throw-away home so the run never touches the real user's data or token.
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_CONFIG_DIRS": str(home / "etc")}
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
        watch_cmd = [sys.executable, "-m", "devicecheck", "watch", "--json",
                     "--policy", str(policy)]
        bare_cmd = [sys.executable, "-c", BARE]
        procs = {
            "watch": subprocess.Popen(watch_cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True),
            "bare": subprocess.Popen(bare_cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL),
        }
        ps = {k: psutil.Process(p.pid) for k, p in procs.items()}
        samples = dict.fromkeys(procs, 0)
        try:
            time.sleep(args.warmup)
            start_cpu = {k: cpu_seconds(p) for k, p in ps.items()}
            t0 = time.monotonic()
            while time.monotonic() - t0 < args.seconds:
                for k, p in ps.items():
                    samples[k] = max(samples[k], p.memory_info().rss)
                time.sleep(0.5)
            window = time.monotonic() - t0
            end_cpu = {k: cpu_seconds(p) for k, p in ps.items()}
            peaks = {k: peak_rss(p, samples[k]) for k, p in ps.items()}
        finally:
            procs["bare"].kill()
            if os.name == "posix":
                procs["watch"].send_signal(signal.SIGTERM)   # the clean way out: exit 0
            else:
                procs["watch"].terminate()
        out, err = procs["watch"].communicate(timeout=30)
        procs["bare"].wait(timeout=30)

    print(f"devicecheck watch idle, Teams absent ({url} refused), {window:.0f} s window "
          f"after {args.warmup:.0f} s warm-up")
    for k in ("watch", "bare"):
        used = end_cpu[k] - start_cpu[k]
        print(f"  {k:<6} CPU {used:.3f} s in the window = {100 * used / window:.3f} % of one "
              f"core; start-up {start_cpu[k]:.2f} s; peak RSS {peaks[k] / 2**20:.1f} MiB")
    watch_cpu = end_cpu["watch"] - start_cpu["watch"]
    bare_cpu = end_cpu["bare"] - start_cpu["bare"]
    cpu_pct = 100 * watch_cpu / window
    rss_ratio = peaks["watch"] / peaks["bare"]
    cpu_ratio = f"{watch_cpu / bare_cpu:.1f}x" if bare_cpu > 0 else "n/a (bare used none)"
    print(f"  ratios: CPU {cpu_ratio}; peak RSS {rss_ratio:.2f}x bare")
    print(f"  watch printed {len(out.splitlines())} event line(s); exit code "
          f"{procs['watch'].returncode}; stderr lines {len(err.splitlines())}")
    ok_cpu, ok_rss = cpu_pct <= CPU_TARGET_PCT, rss_ratio <= RSS_TARGET_RATIO
    print(f"target CPU <= {CPU_TARGET_PCT} % of one core: {'meets' if ok_cpu else 'MISSES'}")
    print(f"target peak RSS <= {RSS_TARGET_RATIO}x bare: {'meets' if ok_rss else 'MISSES'}")
    return 0 if ok_cpu and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main())
