"""``devicecheck notice [--text]`` (pinned): print the privacy notice in force.

HTML by default (the document the pre-call window shows), plain text with ``--text``.
No Qt is imported, so it works in a terminal and over SSH. Exit 0, or 2 when the policy
has errors or names a notice file that cannot be used (the built-in notice is printed
then, with the reason on stderr, so IT sees both what officers get and what to fix).
A notice file that is not IT's (owned by root/administrators, folder too, writable by no
one else: issue 29) is one that cannot be used. Both outputs are made from the one
sanitised document the window shows (``notice.py``), bidi and invisible characters gone.
"""

from __future__ import annotations

import argparse
import sys

from devicecheck.commands import add_policy_option

EXIT_OK, EXIT_PROBLEM = 0, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("notice", help="print the privacy notice in force")
    p.add_argument("--text", action="store_true", help="as plain text instead of HTML")
    add_policy_option(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from devicecheck.notice import NoticeError, load_notice
    from devicecheck.policy import load_policy

    loaded = load_policy(args.policy)
    try:
        notice = load_notice(loaded.policy)
    except NoticeError as exc:
        print(f"devicecheck: no privacy notice is available: {exc}. DeviceCheck may need "
              "reinstalling.", file=sys.stderr)
        return EXIT_PROBLEM
    origin = "built-in notice" if notice.is_built_in else f"notice file {notice.source}"
    dated = f", revised {notice.revision_date}" if notice.revision_date else ""
    if args.text:
        print(notice.text, end="")
        print(f"\n--\nNotice version {notice.version} ({origin}{dated})")
    else:
        # The version goes in a comment after the doctype, so the output stays a valid
        # HTML document that IT can open in a browser.
        doc = notice.html if notice.html.endswith("\n") else notice.html + "\n"
        comment = f"<!-- DeviceCheck notice version {notice.version} ({origin}{dated}) -->\n"
        head, sep, rest = doc.partition("\n")
        if head.lower().startswith("<!doctype"):
            print(head + sep + comment + rest, end="")
        else:
            print(comment + doc, end="")
    for err in loaded.errors:
        print(f"devicecheck: policy error: {err}", file=sys.stderr)
    if notice.problem:
        print(f"devicecheck: the policy's notice file was not used: {notice.problem}. "
              "Showing the built-in notice instead.", file=sys.stderr)
    return EXIT_PROBLEM if (loaded.errors or notice.problem) else EXIT_OK
