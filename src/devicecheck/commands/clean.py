"""``devicecheck clean [--dry-run] [--yes] [--json] [--client ID] [--it]`` (pinned), plus
``devicecheck clean --restart [--yes] [--json] [--client ID]`` and ``--session-end``.

Clears the Teams clients' local meeting data as the policy says. Without ``--yes`` on a
terminal it shows the plan and asks; off a terminal it only shows the plan (a script must
say ``--yes``). Exit codes: 0 done or nothing to do, 1 partial failure, 2 usage error,
3 refused because a client is running (plain ``clean`` never closes Teams) or, with
``--restart``, because a meeting is on or a client could not be stopped.

``--restart`` quits the running client, cleans and starts it again (``cleaner/restart.py``);
it asks first at a terminal unless ``--yes``. ``--session-end`` is for IT's logoff task:
quiet, never asks, quits Teams without starting it again, exits 0 when nothing was left
behind and otherwise prints one line saying why.

The text speaks the officer's words (issue 27): the client's display name, how much would
go, what goes and what stays. ``--it`` adds each store's path, files and size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from devicecheck.cleaner.catalogue import CLIENT_IDS
from devicecheck.commands import add_policy_option

EXIT_DONE, EXIT_PARTIAL, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("clean", help="delete the Teams clients' local meeting data")
    p.add_argument("--dry-run", action="store_true", help="print the plan, delete nothing")
    p.add_argument("--yes", action="store_true", help="do not ask before deleting")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--client", action="append", choices=CLIENT_IDS, metavar="ID",
                   help=f"only this client (repeatable): {', '.join(CLIENT_IDS)}")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--restart", action="store_true",
                      help="quit the running Teams client, clean, start it again (refused "
                           "while a meeting is on)")
    mode.add_argument("--session-end", action="store_true",
                      help="for a logoff task: quit Teams, clean, do not start it again; "
                           "quiet, exit 0 when nothing was left")
    p.add_argument("--it", action="store_true",
                   help="add IT's detail to the text: each store's path, files and size")
    add_policy_option(p)
    p.set_defaults(func=run_clean)


def _isatty() -> bool:
    """Is someone at a terminal to answer? (A seam so tests can drive the prompt.)"""
    return sys.stdin.isatty()


def confirm(question: str, out: TextIO) -> bool:
    """Ask ``question [y/N]`` at the terminal; anything but yes (or end of input) is no."""
    print(f"{question} [y/N] ", end="", file=out, flush=True)
    try:
        answer = input()
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _show(text: str) -> str:
    from devicecheck.cleaner.plan import display

    return display(text)


def plural(n: int, one: str, many: str | None = None) -> str:
    """"1 file", "14 files", "1,204 files"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _names(client_ids: list[str]) -> str:
    # Officers know clients by the names Microsoft and the community use, not by our ids
    # ("teams-for-linux (native)"): the clear-data dialogs' words (ui/model/clean_words).
    from devicecheck.ui.model.clean_words import client_names

    return client_names(client_ids)


def print_plan(data: dict[str, Any], out: TextIO, *, mode: str, policy: Any = None,
               it: bool = False) -> None:
    """The plan in the officer's words: what would be cleared from which client, what
    goes and what stays (issue 27). ``it``: each client's folder and every store with its
    action, files and size (IT's detail)."""
    from devicecheck.cleaner.plan import human_bytes  # here: the CLI starts without cleaner

    if not data["clients"]:
        print("No Teams meeting data found.", file=out)
        return
    by_name: dict[str, list[dict[str, Any]]] = {}
    for client in data["clients"]:
        by_name.setdefault(_names([client["id"]]), []).append(client)
    for name, roots in by_name.items():
        going = [t for c in roots for t in c["targets"] if t["action"] == "delete"]
        files = sum(t["files"] for t in going)
        more = "" if all(t.get("complete", True) for t in going) else " or more"
        if going:
            print(f"{name}: {human_bytes(sum(t['bytes'] for t in going))} of meeting data "
                  f"to clear ({plural(files, 'file')}{more}).", file=out)
        else:
            print(f"{name}: no meeting data to clear.", file=out)
        if going and any(c["running"] for c in roots):
            print(f"  {name} is open: close it first, or nothing of it is cleared.", file=out)
        if any(c.get("refused") for c in roots):
            print(f"  Some of {name}'s data is not cleared: DeviceCheck cannot do it "
                  "safely.", file=out)
    if policy is not None:
        from devicecheck.ui.model.clean_words import what_goes, what_stays

        print(what_goes(policy), file=out)
        print(what_stays(policy, [c["id"] for c in data["clients"]]), file=out)
    elif mode == "caches-only":
        print("Only temporary files go: names and chat history stay.", file=out)
    if it:
        print_plan_for_it(data, out, mode=mode)


def print_plan_for_it(data: dict[str, Any], out: TextIO, *, mode: str) -> None:
    """Every store of every client root: action, path, files, size (IT's detail)."""
    from devicecheck.cleaner.plan import human_bytes

    label = "personal data and caches" if mode != "caches-only" else "caches only"
    print(f"For IT: the plan ({label}, mode {mode}):", file=out)
    for client in data["clients"]:
        running = "  [running: will be refused]" if client["running"] and \
            any(t["action"] == "delete" for t in client["targets"]) else ""
        print(f"{client['id']} ({client['label']}): {_show(client['root'])}{running}", file=out)
        if client.get("refused"):
            print(f"  refused: {client['refused']}", file=out)
        for t in client["targets"]:
            rel = os.path.relpath(t["path"], client["root"])
            more = "" if t.get("complete", True) else "+"
            links = f"  {plural(t['links'], 'link')}, removed as links" if t.get("links") \
                else ""
            print(f"  {t['action']:<8} {_show(rel):<50} {plural(t['files'], 'file'):>10}{more} "
                  f"{human_bytes(t['bytes']):>10}{links}", file=out)


def print_result(data: dict[str, Any], out: TextIO, *, it: bool = False) -> None:
    from devicecheck.cleaner.plan import human_bytes

    done = [c for c in data["clients"]
            if any(t["action"] in ("deleted", "partly-deleted") for t in c["targets"])]
    if data["removed_files"] or data.get("removed_links") or done:
        names = _names(sorted({c["id"] for c in done}))
        print(f"Meeting data cleared from {names} ({plural(data['removed_files'], 'file')}, "
              f"{human_bytes(data['removed_bytes'])}).", file=out)
        if data.get("removed_links"):
            print(f"{plural(data['removed_links'], 'link')} removed as links; what they "
                  "pointed to was not touched.", file=out)
    elif not data["failures"]:
        print("Nothing to clean.", file=out)
    for reason, n in sorted((data.get("skipped") or {}).items()):
        print(f"Skipped {plural(n, 'item')}: {reason}.", file=out)
    for f in data["failures"]:
        if it:
            where = f" {f['path']}" if f.get("path") else ""
            print(f"Not cleaned ({f['client']}){where}: {f['reason']}", file=out)
        else:
            print(f"Not cleared from {_names([f['client']])}: {_officer_reason(f)}", file=out)


def _officer_reason(failure: dict[str, Any]) -> str:
    """A failure's reason without the folder it names (that is IT's detail)."""
    reason = str(failure.get("reason", "")).rstrip(".")
    path = str(failure.get("path") or "")
    if path and path in reason:
        reason = reason.replace(path, "a folder")
    return reason + "."


def run_clean(args: argparse.Namespace) -> int:
    from devicecheck.cleaner.plan import plan_clean
    from devicecheck.cleaner.run import clean
    from devicecheck.policy import load_policy

    loaded = load_policy(Path(args.policy) if args.policy else None)
    policy = loaded.policy
    if loaded.errors:
        for err in loaded.errors:
            print(f"devicecheck: policy error: {err}", file=sys.stderr)
        if not args.dry_run:
            print("devicecheck: nothing deleted until the policy is fixed.", file=sys.stderr)
            return EXIT_USAGE
    ids = list(dict.fromkeys(args.client)) if args.client else None
    outside = [c for c in ids or () if c not in policy.cleaner.clients]
    if outside:
        print(f"devicecheck: the policy does not let the cleaner look after "
              f"{', '.join(outside)} (cleaner.clients).", file=sys.stderr)
        return EXIT_USAGE
    text_out = sys.stderr if args.json else sys.stdout
    if (args.restart or args.session_end) and args.dry_run:
        print("devicecheck: --dry-run shows the plan only; it cannot be combined with "
              f"{'--restart' if args.restart else '--session-end'}.", file=sys.stderr)
        return EXIT_USAGE
    if args.session_end:
        return run_session_end(policy, ids, as_json=args.json)
    if args.restart:
        return run_restart(policy, ids, yes=args.yes, as_json=args.json)

    if args.dry_run:
        result = clean(policy, client_ids=ids, dry_run=True)
        if args.json:
            print(json.dumps(result.to_dict()))
        else:
            print_plan(result.to_dict(), sys.stdout, mode=policy.cleaner.mode, policy=policy,
                       it=args.it)
            for f in result.failures:
                if args.it:
                    print(f"Would not clean ({f['client']}): {f['reason']}", file=sys.stdout)
                else:
                    print(f"Would not clear from {_names([f['client']])}: "
                          f"{_officer_reason(f)}", file=sys.stdout)
            print("Dry run: nothing deleted.", file=sys.stdout)
        return result.exit_code

    plan = None
    if not args.yes:
        plan = plan_clean(policy, client_ids=ids)
        print_plan(plan.to_dict(), text_out, mode=policy.cleaner.mode, policy=policy,
                   it=args.it)
        if plan.nothing_to_do:
            plan = None  # fall through: clean() reports "nothing to do" and audits it
        elif not _isatty():
            print("Not at a terminal: nothing deleted. Run with --yes to clean without asking.",
                  file=sys.stderr)
            return EXIT_USAGE
        else:
            if not confirm("Clear this meeting data now?", text_out):
                print("Nothing deleted.", file=text_out)
                return EXIT_DONE
    result = clean(policy, client_ids=ids, plan=plan)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print_result(result.to_dict(), sys.stdout, it=args.it)
    return result.exit_code


# -- --restart and --session-end -------------------------------------------------------
RESTART_PROMPT = ("Teams will close for a few seconds while DeviceCheck clears its meeting "
                  "data, then start again.")


def print_restart(data: dict[str, Any], out: TextIO) -> None:
    """What the restart did to each client, then the clean's own lines."""
    for cid, d in sorted(data.get("restart", {}).items()):
        if d.get("restarted"):
            how = " (it did not quit when asked, so it was ended)" if d.get("forced") else ""
            print(f"{cid}: closed and started again{how}.", file=out)
        elif d.get("stopped") and not data.get("refused_reason"):
            print(f"{cid}: closed.", file=out)
    if data.get("refused_reason") in ("meeting-on", "quit-failed", "forced-caches-only"):
        for f in data["failures"]:
            print(f"Not cleaned ({f['client']}): {f['reason']}", file=out)
        return
    print_result(data, out)


def _preview(policy: Any, ids: list[str] | None, result: Any) -> None:
    """Nothing was cleaned: attach the plan so the JSON keeps its pinned shape."""
    if result.clean is None:
        from devicecheck.cleaner.run import clean

        result.preview = clean(policy, client_ids=ids, dry_run=True)


def run_restart(policy: Any, ids: list[str] | None, *, yes: bool, as_json: bool) -> int:
    from devicecheck.cleaner.restart import MEETING_ON, RestartResult, restart_and_clean
    from devicecheck.teams.oneshot import meeting_in_progress

    text_out = sys.stderr if as_json else sys.stdout
    meeting = meeting_in_progress(policy)
    if meeting:
        result = RestartResult(refused_reason=MEETING_ON, meeting=True)
    else:
        if not yes:
            if not _isatty():
                print("Not at a terminal: Teams not closed. Run with --yes to restart it "
                      "without asking.", file=sys.stderr)
                return EXIT_USAGE
            print(RESTART_PROMPT, file=text_out)
            if meeting is None:
                print("DeviceCheck cannot tell from here whether a meeting is on: make sure "
                      "you are not in a call.", file=text_out)
            if not confirm("Close Teams and clear now?", text_out):
                print("Nothing done.", file=text_out)
                return EXIT_DONE
        result = restart_and_clean(policy, client_ids=ids,
                                   meeting_on=lambda: meeting_in_progress(policy))
    _preview(policy, ids, result)
    data = result.to_dict()
    if as_json:
        print(json.dumps(data))
    else:
        print_restart(data, sys.stdout)
    return result.exit_code


def run_session_end(policy: Any, ids: list[str] | None, *, as_json: bool) -> int:
    """The logoff task: the session is ending, so Teams is quit (never started again) and
    its data cleared. Silent on success; one line on stderr otherwise."""
    from devicecheck.cleaner.restart import restart_and_clean

    result = restart_and_clean(policy, client_ids=ids, relaunch=False)
    _preview(policy, ids, result)
    if as_json:
        print(json.dumps(result.to_dict()))
    code = result.exit_code
    if code:
        reason = result.reason_text()
        if reason is None and result.clean is not None:
            n = len(result.clean.failures)
            reason = f"{n} item(s) could not be cleared (run devicecheck clean for details)"
        reason = (reason or "meeting data left behind").rstrip(".")
        print(f"devicecheck: session end: {reason}.",
              file=sys.stderr)
    return code
