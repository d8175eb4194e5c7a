"""One module per subcommand; each exposes ``register(subparsers)``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", metavar="FILE", type=Path,
                        help="use this policy file instead of the machine policy (to try one)")
