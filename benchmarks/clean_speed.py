"""Wall time of ``devicecheck clean --yes --client teams-for-linux`` against ``rm -rf`` of
the same folders, on two identical trees of small files built in the same run.

Tree 1 is a fake home (HOME/XDG_CONFIG_HOME point at it) holding a teams-for-linux data
folder; tree 2 is an identical copy whose cleared folders ``rm -rf`` removes. The
``devicecheck`` time includes starting Python, loading the policy and the process check:
everything an officer or script waits for. Target: ratio <= 1.3.

Usage: python benchmarks/clean_speed.py [--files N] [--rounds R]  (R defaults to 2, order
alternating, ratio of the totals)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.3
SRC = Path(__file__).resolve().parents[1] / "src"
PARTITION = Path("Partitions") / "teams-4-linux"
#: (folder under the data root, share of the files): a teams-for-linux session's shape.
LAYOUT: tuple[tuple[str, float], ...] = (
    (f"{PARTITION}/Cache/Cache_Data", 0.30),
    (f"{PARTITION}/Code Cache/js", 0.15),
    (f"{PARTITION}/Code Cache/wasm", 0.02),
    (f"{PARTITION}/Service Worker/CacheStorage/4f1c0ffee", 0.20),
    (f"{PARTITION}/Service Worker/ScriptCache", 0.05),
    (f"{PARTITION}/IndexedDB/https_teams.microsoft.com_0.indexeddb.leveldb", 0.10),
    (f"{PARTITION}/IndexedDB/https_teams.microsoft.com_0.indexeddb.blob/1/00", 0.05),
    (f"{PARTITION}/Local Storage/leveldb", 0.03),
    (f"{PARTITION}/Session Storage", 0.02),
    (f"{PARTITION}/blob_storage/6a0e0c8a-2f55", 0.03),
    (f"{PARTITION}/GPUCache", 0.02),
    ("logs", 0.03),
)
CLEARED = sorted({"/".join(p.split("/")[:3]) if p.startswith("Partitions") else p.split("/")[0]
                  for p, _ in LAYOUT})
KEPT = ("config.json", "Backgrounds/Uploads/bg1.png", f"{PARTITION}/Preferences")
PER_DIR = 1000  # files per leaf folder, as Chromium's caches roughly hold


def build(root: Path, files: int) -> None:
    payload = b"x" * 200
    for rel, share in LAYOUT:
        n = max(1, round(files * share))
        for batch in range(0, n, PER_DIR):
            d = root / rel / f"{batch // PER_DIR:03d}" if n > PER_DIR else root / rel
            d.mkdir(parents=True, exist_ok=True)
            dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
            try:
                for i in range(batch, min(n, batch + PER_DIR)):
                    fd = os.open(f"f_{i:06d}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600,
                                 dir_fd=dfd)
                    os.write(fd, payload)
                    os.close(fd)
            finally:
                os.close(dfd)
    for rel in KEPT:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"keep me")


def count_files(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of ``argv`` plus the ``sync`` after it: the file system defers part of a
    delete's work (journal commits, discards), and whichever command runs next would
    otherwise pay for it. Measured on a busy shared disk, this is what makes runs fair."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False, timeout=600)
    os.sync()
    elapsed = time.perf_counter() - start
    if proc.returncode:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
    return elapsed, proc.returncode


def one_round(base: Path, files: int, dc_first: bool) -> tuple[float, float]:
    home1, home2 = base / "home1", base / "home2"
    root1 = home1 / ".config" / "teams-for-linux"
    root2 = home2 / ".config" / "teams-for-linux"
    build(root1, files)
    build(root2, files)
    total = count_files(root1)
    env = {**os.environ, "HOME": str(home1), "XDG_CONFIG_HOME": str(home1 / ".config"),
           "XDG_DATA_HOME": str(base / "data"), "XDG_CONFIG_DIRS": str(base / "etc"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    dc = [sys.executable, "-m", "devicecheck", "clean", "--yes", "--client", "teams-for-linux"]
    rm = ["rm", "-rf", "--", *(str(root2 / c) for c in CLEARED)]
    os.sync()
    runs = [("dc", dc, env), ("rm", rm, dict(os.environ))]
    if not dc_first:
        runs.reverse()
    times: dict[str, float] = {}
    for name, argv, e in runs:
        times[name], rc = timed(argv, e)
        if rc:
            raise SystemExit(f"{argv[0]} exited {rc}")
    left1, left2 = count_files(root1), count_files(root2)
    if left1 != len(KEPT) or left2 != len(KEPT):
        raise SystemExit(f"unexpected leftovers: devicecheck {left1}, rm {left2} "
                         f"(expected the {len(KEPT)} kept files)")
    print(f"  {total:,} files a tree: devicecheck {times['dc']:.3f} s, rm -rf {times['rm']:.3f} s"
          f" (ratio {times['dc'] / times['rm']:.2f})")
    shutil.rmtree(home1)
    shutil.rmtree(home2)
    return times["dc"], times["rm"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=100_000, help="files in each tree")
    # Two rounds by default: whichever command runs first after the trees are built pays
    # for the file system settling (journal checkpoints); alternating cancels that out.
    ap.add_argument("--rounds", type=int, default=2, help="rounds (order alternates)")
    args = ap.parse_args()
    dcs, rms = [], []
    with tempfile.TemporaryDirectory(prefix="clean-speed-") as tmp:
        for r in range(args.rounds):
            dc, rm = one_round(Path(tmp), args.files, dc_first=r % 2 == 0)
            dcs.append(dc)
            rms.append(rm)
    dc_t, rm_t = sum(dcs), sum(rms)
    ratio = dc_t / rm_t
    print(f"devicecheck clean --yes: {dc_t:.3f} s; rm -rf: {rm_t:.3f} s "
          f"(total over {args.rounds} round(s))")
    print(f"ratio: {ratio:.2f} (target <= {TARGET_RATIO}: "
          f"{'meets' if ratio <= TARGET_RATIO else 'MISSES'})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
