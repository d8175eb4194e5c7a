"""Rendering a hostile notice: one 96 KB Markdown line (issue 17: the old hand-written
converter's emphasis regex took 29 s on it), against rendering the built-in notice padded
to the same size with ordinary paragraphs, in the same run.

Both go through ``build_notice`` (markdown-it-py, nh3 sanitising, the plain-text maker),
so the first ratio says how much more a line made of nothing but Markdown delimiters costs
than the same bytes of prose (markdown-it makes a token per delimiter: a constant factor).
The second ratio is the hostile line at 96 KB against the same line at 48 KB: about 2x
means linear time, 4x would mean quadratic (the old converter's shape).
Target: the 96 KB line in well under 1 s; the scaling ratio near 2.

Usage: python benchmarks/notice_render.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devicecheck.notice import build_notice  # noqa: E402

SIZE = 96 * 1024


def hostile(size: int = SIZE) -> str:
    # Many openers that never close: the shape that made `(.+?)` emphasis scans quadratic.
    return "# Notice\n\n" + ("*a _b `c [d](e " * (size // 15 + 1))[:size] + "\n"


def prose() -> str:
    built_in = (ROOT / "resources" / "notice" / "privacy-notice.md").read_text(encoding="utf-8")
    para = ("We use what you tell us to answer your question while we are on the call. ") * 8
    body = built_in
    while len(body) < SIZE:
        body += "\n\n" + para
    return body[:SIZE] + "\n"


def timed(text: str, repeat: int) -> float:
    def once() -> None:
        build_notice(text, source="bench", declared_date="", is_markdown=True)

    once()  # warm imports
    return statistics.median(_time(once) for _ in range(repeat))


def _time(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    bad, good = timed(hostile(), args.repeat), timed(prose(), args.repeat)
    half = timed(hostile(SIZE // 2), args.repeat)
    print(f"96 KB hostile line: {bad * 1000:.0f} ms; 96 KB of prose: {good * 1000:.0f} ms; "
          f"ratio {bad / good:.2f}x")
    print(f"hostile 96 KB vs 48 KB: {bad * 1000:.0f} ms / {half * 1000:.0f} ms = "
          f"{bad / half:.2f}x (2x linear, 4x quadratic); target under 1000 ms")
    return 0 if bad < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
