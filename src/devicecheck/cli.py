"""Command line: ``devicecheck [check|policy|log|...]``.

The command surface is pinned (IT scripts depend on it). Each subcommand lives in
``devicecheck.commands.<name>`` with ``register(subparsers)``; modules import their heavy
dependencies inside the handler so ``devicecheck check`` never imports Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from devicecheck import __version__

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("check", "policy", "log", "clean", "watch", "pilot", "notice",
                             "precall", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devicecheck",
        description="Is this council laptop fit for a private video call with a resident? "
                    "With no command: the tray app when a display is present, else the report.")
    parser.add_argument("--version", action="version", version=f"devicecheck {__version__}")
    parser.add_argument("--policy", metavar="FILE", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"devicecheck.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code or 0)
    if args.command is None:
        return _default(args)
    try:
        result: int = args.func(args)
    except BrokenPipeError:
        # `devicecheck ... | head` closed the pipe: not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return result


def _default(args: argparse.Namespace) -> int:
    """No command: the tray when a GUI is possible, otherwise the text report."""
    from devicecheck.osinfo import has_display

    if has_display():
        try:
            app = importlib.import_module("devicecheck.ui.app")
        except ImportError as exc:
            print(f"The tray app is not available ({exc}); printing the report instead.",
                  file=sys.stderr)
        else:
            return int(app.run_app(policy_file=args.policy))
    from devicecheck.commands.check import run_check

    return run_check(policy_file=args.policy, fmt="text")
