"""``devicecheck report`` (pinned): open the report window, the same one the tray menu's
"Last report…" opens (issue 27: a way in that needs neither the tray icon nor a mouse).

With the tray running, the window opens there: this process sends the tray the second-
launch message "report" (``ui/tray/single_instance.py``, ``ui/tray/menu.py``'s entry) and
exits 0. Without one, it opens the window itself, runs the checks and stays until the
window is closed: exit 0 when the laptop is ready, 1 when not, 2 when there is no display.
"""

from __future__ import annotations

import argparse
import sys

from devicecheck.commands import add_policy_option

EXIT_READY, EXIT_NOT_READY, EXIT_NO_DISPLAY = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="open the report window: the verdict and what to do")
    add_policy_option(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from devicecheck.osinfo import has_display

    if not has_display():
        print("devicecheck report needs a desktop session: no display was found "
              "(DISPLAY / WAYLAND_DISPLAY are not set). Run 'devicecheck check' in a terminal "
              "for the same report as text.", file=sys.stderr)
        return EXIT_NO_DISPLAY
    # Qt is imported only here: the rest of the CLI must work without it.
    from devicecheck.ui.windows.report_run import run_report

    return run_report(policy_file=args.policy)
