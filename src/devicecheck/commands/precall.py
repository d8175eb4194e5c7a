"""``devicecheck precall``: open the pre-call window (device checks, privacy notice, then
the opening script card). Exit 0 when the call may start (the notice acknowledged, or an
acknowledgement still in force), 1 when not, 2 when there is no display to show it on."""

from __future__ import annotations

import argparse
import sys

from devicecheck.commands import add_policy_option

EXIT_READY, EXIT_NOT_READY, EXIT_NO_DISPLAY = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("precall", help="open the pre-call window before a call with a resident")
    add_policy_option(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from devicecheck.osinfo import has_display

    if not has_display():
        print("devicecheck precall needs a desktop session: no display was found "
              "(DISPLAY / WAYLAND_DISPLAY are not set). Run 'devicecheck check' in a terminal "
              "for the device report, or 'devicecheck notice --text' for the notice.",
              file=sys.stderr)
        return EXIT_NO_DISPLAY
    # Qt is imported only here: the rest of the CLI must work without it.
    from devicecheck.ui.windows.precall import run_precall

    return EXIT_READY if run_precall(policy_file=args.policy) else EXIT_NOT_READY
