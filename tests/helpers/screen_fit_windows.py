"""The officer windows in their fullest state, built for the screen-fit test.

``BUILDERS`` maps a window's name to a small function that builds it with the real
classes and realistic, long inputs (every check failing with long "what to do" texts, the
built-in notice with its banner, the report with every details panel open, the clean
dialogs with Teams open, the no-tray window with a message...) and returns the top-level
window to measure. ``tests/helpers/screen_fit_driver.py`` shows and measures it. One
function per window, so a changed constructor is one place to follow.

The checks are stand-ins (``FixedCheck``: the registry's real ids and titles, a fixed
verdict), so no probe runs and no check module is imported; the clean dialogs use the real
planner and cleaner on a teams-for-linux tree built as tests/cleaner/helpers.py builds it.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QUrl
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from devicecheck.checks.base import (
    Check,
    CheckResult,
    Context,
    Remediation,
    Status,
    Verdict,
)
from devicecheck.policy import LoadedPolicy, Policy, Severity
from devicecheck.policy.model import Organisation
from devicecheck.policy.schema import PolicyError

IT_CONTACT = "the council's IT service desk on 01234 567890 (8am to 6pm, Monday to Friday)"

#: Long but plain "what to do" texts, as an officer would read them (issue 19: no
#: commands, file names or keys). ``it_detail`` carries IT's words behind the IT door.
FIXES: dict[str, tuple[str, str | None, str]] = {
    "policy-health": ("IT needs to fix a settings problem on this laptop before you take "
                      "calls. Call the IT service desk and say DeviceCheck cannot confirm the "
                      "council's settings; they can fix it remotely in a few minutes.", None,
                      "Machine policy missing: deploy devicecheck policy.toml via Intune."),
    "os-support": ("This laptop's system is too old to be kept safe. Restart the laptop to "
                   "finish any waiting updates, then check again. If the problem stays, "
                   "ask IT to upgrade it before your next call with a resident.",
                   "ms-settings:windowsupdate", "Build 19044 is out of support."),
    "work-device": ("This does not look like a council laptop, so you must not use it for "
                    "calls with residents. Use your council laptop, or ask IT to enrol this "
                    "one if it was issued to you by the council.", None,
                    "No enrolment marker found."),
    "disk-encryption": ("The laptop's disk is not encrypted, so residents' details would be "
                        "readable if it were lost or stolen. Do not take calls until IT has "
                        "switched encryption on; it takes about an hour and you can keep "
                        "working while it runs.", "ms-settings:deviceencryption",
                        "BitLocker off on C:."),
    "firewall": ("The firewall is off. Open Windows Security, choose Firewall and network "
                 "protection, and switch it on for every network type. If you cannot, ask "
                 "IT to switch it on for you before your next call.",
                 "ms-settings:windowsdefender", "Public profile disabled."),
    "screen-lock": ("The screen does not lock when you leave the laptop. Set it to lock after "
                    "five minutes or less in the power and sleep settings, and always lock "
                    "the screen yourself when you step away during a call.",
                    "ms-settings:lockscreen", "Inactivity timeout 0."),
    "antivirus": ("Virus protection is off or out of date. Open Windows Security, choose "
                  "Virus and threat protection, and turn real-time protection on, then check "
                  "for updates. Ask IT if it will not switch on.",
                  "ms-settings:windowsdefender", "Real-time protection disabled."),
    "recording-policy": ("Teams may still record or transcribe calls on this laptop. Ask IT "
                         "to switch recording off for your account before you take a call "
                         "with a resident; until then, do not take calls.", None,
                         "Recording policy file unsigned."),
    "recorders": ("A program that can record your screen or sound is open. Close it before "
                  "the call and make sure it does not start again on its own. Ask IT to "
                  "remove it if you do not need it for your work.", None,
                  "OBS Studio running."),
    "meeting-data": ("Names and e-mail addresses from your last meeting are still on this "
                     "laptop. Choose Clear meeting data in the DeviceCheck menu after your "
                     "call, or close Teams and DeviceCheck clears it for you.", None,
                     "Teams data 3 days old."),
}


def _fix(check_id: str) -> Remediation:
    text, link, it = FIXES.get(check_id, ("Ask IT to look at this before your next call with "
                                          "a resident.", None, ""))
    return Remediation(text, link, it_detail=it)


def _evidence(check_id: str) -> dict[str, Any]:
    # Raw evidence as a probe would record it (IT's door only): long enough to wrap.
    return {"probe": f"{check_id} probe", "exit_code": 1, "seconds": 0.42,
            "output": ["line one of the probe's output", "line two with more detail " * 3],
            "note": "Stand-in evidence for the screen-fit test (no real probe ran)."}


def _titles() -> dict[str, str]:
    # From the registry (plain data): no check module is imported, so a check being
    # edited elsewhere cannot stop a window's measurement.
    from devicecheck.checks.registry import CHECKS

    return {c.id: c.title for c in CHECKS}


class FixedCheck(Check):
    """A check with the real id and title that answers at once with a fixed verdict."""

    def __init__(self, check_id: str, title: str, status: Status) -> None:
        self.id = check_id  # type: ignore[misc]
        self.title = title  # type: ignore[misc]
        self.status = status

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        return {}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        if self.status is Status.PASS:
            return Verdict(Status.PASS, f"{self.title}.", {})
        return Verdict(self.status, f"{self.title}: not confirmed ({self.id} probe).",
                       _evidence(self.id), _fix(self.id))


def _loaded(**notice: Any) -> LoadedPolicy:
    base = Policy()
    policy = replace(base, organisation=replace(Organisation(), it_contact=IT_CONTACT,
                                                name="Example Borough Council"))
    if notice:
        policy = replace(policy, notice=replace(policy.notice, **notice))
    return LoadedPolicy(policy=policy, sources=("defaults", "file:/etc/devicecheck/policy.toml"))


def _failing_status(policy: Policy, check_id: str, n: int) -> Status:
    # Required checks fail or cannot tell; advisory ones warn: every kind of row shows.
    if policy.severity_of(check_id) is Severity.ADVISORY:
        return Status.WARN
    return Status.UNKNOWN if n % 4 == 3 else Status.FAIL


def _checks(loaded: LoadedPolicy, *, failing: bool) -> list[Check]:
    return [FixedCheck(cid, title, _failing_status(loaded.policy, cid, n) if failing
                       else Status.PASS) for n, (cid, title) in enumerate(_titles().items())]


@dataclass
class Scene:
    """What a builder gets: the app, a temp folder, and a place to keep objects alive."""

    app: QApplication
    tmp: Path
    keep: list[object] = field(default_factory=list)

    def events(self) -> None:
        """Run what the event loop would: posted events and deferred deletions (a dialog
        that swaps its buttons deletes the old ones later; outside ``exec`` plain
        ``processEvents`` never does)."""
        self.app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def wait_until(self, ready: Callable[[], object], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise SystemExit(f"screen_fit_driver: timed out waiting for {what}")
            self.events()
            time.sleep(0.02)

    def pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.events()
            time.sleep(0.02)

    def audit(self) -> Any:
        from devicecheck.audit import AuditLog

        return AuditLog(self.tmp / "audit.jsonl")


# -- the pre-call window ---------------------------------------------------------------------
def _context(loaded: LoadedPolicy) -> Context:
    from devicecheck.probes.runner import ProbeRunner

    return Context(loaded=loaded, os_name="linux", runner=ProbeRunner())


def _precall_window(scene: Scene, loaded: LoadedPolicy, *, failing: bool) -> Any:
    from devicecheck.ui.windows.precall import PrecallWindow

    window = PrecallWindow(loaded, audit=scene.audit(), ctx=_context(loaded),
                           checks=_checks(loaded, failing=failing))
    page = window.checks_page
    scene.wait_until(lambda: getattr(page, "done", True), "the checks to finish")
    return window


def _advance_to(scene: Scene, window: Any, page: QWidget, what: str) -> None:
    """Press the way forward (as Enter would) until ``page`` is the current step."""
    for _ in range(6):
        if window.stack.currentWidget() is page:
            return
        button = window.next_button
        scene.wait_until(button.isEnabled, f"the way forward to {what}", timeout=10)
        button.click()
        scene.pause(0.1)
    raise SystemExit(f"screen_fit_driver: never reached {what}")


def build_precall_checks(scene: Scene) -> QWidget:
    """Step 1 with every check failing (required fail / unknown, advisory warn)."""
    window: QWidget = _precall_window(scene, _loaded(), failing=True)
    return window


def _old_ack(scene: Scene) -> None:
    """An acknowledgement of an older notice, so the "notice has changed" banner shows."""
    from devicecheck.acknowledgement import record_ack
    from devicecheck.notice import BUILT_IN, build_notice

    old = build_notice("# Privacy notice\n\nAn older version.\n", source=BUILT_IN,
                       declared_date="", is_markdown=True)
    record_ack(scene.audit(), old, checklist_items=4)


def build_precall_notice(scene: Scene) -> QWidget:
    """Step 2: the built-in notice, with the "changed since you last acknowledged" banner."""
    _old_ack(scene)
    window = _precall_window(scene, _loaded(), failing=False)
    _advance_to(scene, window, window.notice_page, "the notice step")
    widget: QWidget = window
    return widget


def build_precall_script(scene: Scene) -> QWidget:
    """The opening-script card the officer keeps open while opening the call, in its
    fullest state: advisory problems the officer went on despite (their "fix soon" note)
    and the after-call clean note."""
    loaded = _loaded(allow_advisory_continue=True)
    checks: list[Check] = [
        FixedCheck(cid, title, Status.WARN if loaded.policy.severity_of(cid)
                   is Severity.ADVISORY else Status.PASS)
        for cid, title in _titles().items()]
    from devicecheck.ui.windows.precall import PrecallWindow

    window = PrecallWindow(loaded, audit=scene.audit(), ctx=_context(loaded), checks=checks)
    scene.keep.append(window)
    page = window.checks_page
    scene.wait_until(lambda: getattr(page, "done", True), "the checks to finish")
    _advance_to(scene, window, window.notice_page, "the notice step")
    view: Any = getattr(window, "notice_view", None)
    if getattr(view, "end_seen", None) is not None:  # the box waits for the end (issue 29)
        window.show()  # only a notice on screen can be read; the card takes over below
        bar = view.browser.verticalScrollBar()
        bar.setValue(bar.maximum())
        scene.wait_until(lambda: view.end_seen, "the notice read to its end")
    window.read_box.setChecked(True)
    old_page = getattr(window, "checklist_page", None)
    if old_page is not None:  # the card used to be the window's third step
        _advance_to(scene, window, old_page, "the opening script")
        widget: QWidget = window
        return widget
    scene.wait_until(window.next_button.isEnabled, "the way to the call", timeout=10)
    window.next_button.click()
    scene.wait_until(lambda: getattr(window, "card", None) is not None, "the opening script")
    card = window.card
    assert card is not None
    return card


# -- the report window and the notice dialog ---------------------------------------------------
def _report(loaded: LoadedPolicy) -> Any:
    from devicecheck.report import Device, Report

    results = []
    for n, (cid, title) in enumerate(_titles().items()):
        status = _failing_status(loaded.policy, cid, n)
        results.append(CheckResult(cid, title, status, loaded.policy.severity_of(cid),
                                   f"{title}: not confirmed ({cid} probe).", _evidence(cid),
                                   _fix(cid)))
    return Report(Device("LAPTOP-0042", "linux", "6.1.0-18-amd64"), loaded, results)


def build_report(scene: Scene) -> QWidget:
    """Every check failing, two policy errors for IT, every details panel open."""
    from devicecheck.ui.windows.report_window import ReportWindow

    loaded = replace(_loaded(), errors=(
        PolicyError("file:/etc/devicecheck/policy.toml", "expected a whole number",
                    key="tray.check_interval_minutes", line=12),
        PolicyError("file:/etc/devicecheck/policy.toml", "unknown setting", key="tray.colour",
                    line=14)))
    urls: list[QUrl] = []
    window = ReportWindow(loaded, open_url=urls.append)
    window.set_report(_report(loaded), loaded)
    _open_details(window)
    return window


def build_report_first(scene: Scene) -> QWidget:
    """The report as it opens (issue 27's first screen): every check failing, nothing
    opened, at the top with the focus on the first problem."""
    from devicecheck.ui.windows.report_window import ReportWindow

    loaded = _loaded()
    window = ReportWindow(loaded, open_url=lambda _url: None)
    window.set_report(_report(loaded), loaded)
    return window


def _open_details(window: QWidget) -> None:
    """Press every "Show details" toggle (the rows' and the IT door's)."""
    for b in window.findChildren(QAbstractButton):
        words = (b.text() + " " + b.accessibleName()).lower()
        if b.isCheckable() and not b.isChecked() and "detail" in words:
            b.click()


def build_notice_dialog(scene: Scene) -> QWidget:
    from devicecheck.notice import load_notice
    from devicecheck.ui.windows.notice_dialog import NoticeDialog

    return NoticeDialog(load_notice(_loaded().policy))


# -- the recording alert ------------------------------------------------------------------------
def build_recording_alert(scene: Scene) -> QWidget:
    """Teams' own recording, the meeting window's indicator and two recording programs at
    once, with the "can no longer see" update: every paragraph the alert can show."""
    from devicecheck.recording.alerts import SOURCE_PROCESS, SOURCE_TEAMS, SOURCE_WINDOW
    from devicecheck.ui.windows.recording_alert import RecordingAlert

    alert = RecordingAlert(SOURCE_TEAMS)
    alert.add_reason(SOURCE_WINDOW, (), "Recording and transcription have started")
    alert.add_reason(SOURCE_PROCESS, ("OBS Studio", "SimpleScreenRecorder", "Audacity"))
    alert.note_recording_unknown("the meeting window is minimised")
    return alert


# -- the clear-data dialogs -----------------------------------------------------------------------
def _started(*_outcome: object) -> bool:
    """Stands in for the Teams link's restart-and-clean: it "started" (the outcome would
    come later through the callable it is given)."""
    return True


def build_clear_prompt(scene: Scene) -> QWidget:
    """After a meeting, with two clients open (the longest client names)."""
    from devicecheck.ui.windows.clear_prompt import ClearPrompt

    prompt = ClearPrompt(accept=_started, later=lambda: None)
    scene.keep.append(prompt)
    box: QWidget = prompt.show(clients=("teams-new", "teams-for-linux"),
                               policy=_loaded().policy)
    return box


def _all_running(names: frozenset[str], os_name: str) -> set[str]:
    """A ProcessFinder (cleaner.plan) that says every catalogued client is open: a
    stand-in for Teams running, whose detection is tested in tests/cleaner."""
    return set(names)


def _none_running(names: frozenset[str], os_name: str) -> set[str]:
    return set()


def _teams_trees() -> None:
    """teams-for-linux data in all three of its Linux homes (native, snap, flatpak), as
    tests/cleaner/helpers.py builds it, so the plan lists several places."""
    from tests.cleaner.helpers import make_tfl

    home = Path(os.environ["HOME"])
    config = Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
    for root in (config / "teams-for-linux",
                 home / "snap/teams-for-linux/current/.config/teams-for-linux",
                 home / ".var/app/com.github.IsmaelMartinez.teams_for_linux/config"
                        "/teams-for-linux"):
        make_tfl(root)


def _clean_flow(scene: Scene, *, restart: bool, plan_sees: Any = _all_running,
                clean_sees: Any = _all_running) -> Any:
    """"Clear meeting data now…" through the real planner and cleaner on a real data
    tree; ``plan_sees`` / ``clean_sees`` say which clients are open when each runs."""
    import devicecheck.cleaner.plan as planner
    import devicecheck.cleaner.run as runner
    from devicecheck.ui.windows.clean_action import CleanFlow

    _teams_trees()
    real_plan, real_clean = planner.plan_clean, runner.clean
    planner.plan_clean = functools.partial(real_plan, processes=plan_sees)
    runner.clean = functools.partial(real_clean, processes=clean_sees)
    flow = CleanFlow(_loaded().policy, scene.audit(), restart=_started if restart else None)
    scene.keep.append(flow)
    flow.start()
    scene.wait_until(lambda: flow.box is not None and flow.box.isVisible()
                     and bool(_buttons(flow.box)), "the clean dialog")
    return flow


def _buttons(box: QWidget) -> list[QAbstractButton]:
    return [b for b in box.findChildren(QAbstractButton) if b.isVisible()]


def build_clean_ask(scene: Scene) -> QWidget:
    """The question with Teams open and the restart flow available."""
    box: QWidget = _clean_flow(scene, restart=True).box
    return box


def build_clean_blocked(scene: Scene) -> QWidget:
    """The question with Teams open and no Teams link to restart it."""
    box: QWidget = _clean_flow(scene, restart=False).box
    return box


def build_clean_result(scene: Scene) -> QWidget:
    """Teams was closed when the plan was made and open again when the clean ran: the
    cleaner refuses, and the dialog shows that failure."""
    flow = _clean_flow(scene, restart=False, plan_sees=_none_running)
    box = flow.box
    clear = getattr(box, "buttons", {}).get("clear")
    if clear is None:  # an older dialog: the button whose text says it
        clear = next((b for b in _buttons(box) if "clear" in b.text().lower()), None)
    if clear is None or not clear.isEnabled():
        raise SystemExit("screen_fit_driver: no Clear button with Teams closed")
    before = box.accessibleDescription()
    clear.click()
    scene.wait_until(lambda: flow.box is not None and flow.box.isVisible()
                     and not getattr(flow, "_working", False)
                     and (flow.box is not box or flow.box.accessibleDescription() != before),
                     "the clean result")
    result: QWidget = flow.box
    return result


def _screen_builder(key: str) -> Callable[[Scene], QWidget]:
    def build(scene: Scene) -> QWidget:
        from devicecheck.ui.model.clean_words import fullest_screens
        from devicecheck.ui.windows.clean_dialog import CleanDialog

        return CleanDialog(fullest_screens(_loaded().policy)[key])

    build.__doc__ = f"The clean dialog's {key!r} state with its longest words."
    return build


def _clean_screens() -> dict[str, Callable[[Scene], QWidget]]:
    """Every state of the clean dialog (clean_words.fullest_screens), when the tree has it."""
    try:
        from devicecheck.ui.model.clean_words import fullest_screens
    except ImportError:
        return {}
    return {f"clean-state-{key}": _screen_builder(key) for key in fullest_screens()}


# -- the tray's own windows (through the real tray controller) ---------------------------------
def _tray_app(scene: Scene, *, tray: bool) -> Any:
    from tests.ui.tray_helpers import Harness

    loaded = _loaded()
    harness = Harness(loaded, _checks(loaded, failing=True), tray=tray, tray_wait_s=0.0,  # type: ignore[arg-type]
                      tmp_audit=scene.audit())
    scene.keep.append(harness)
    return harness.app


def build_fallback(scene: Scene) -> QWidget:
    """The no-tray window after a failing check run, with a message showing."""
    app = _tray_app(scene, tray=False)
    app.start()
    scene.wait_until(lambda: app.fallback is not None and app.report is not None,
                     "the no-tray window and the first report")
    app.fallback.show_message(
        "Meeting data not cleared yet",
        "Names and e-mail addresses from your last meeting are still on this laptop. "
        "Choose Clear meeting data after your call.")
    window: QWidget = app.fallback
    return window


def build_about(scene: Scene) -> QWidget:
    app = _tray_app(scene, tray=False)
    window: QWidget = app.show_about()
    return window


BUILDERS: dict[str, Callable[[Scene], QWidget]] = {
    "precall-checks": build_precall_checks,
    "precall-notice": build_precall_notice,
    "precall-script": build_precall_script,
    "report": build_report,
    "report-first": build_report_first,
    "notice-dialog": build_notice_dialog,
    "recording-alert": build_recording_alert,
    "clear-prompt": build_clear_prompt,
    "clean-ask": build_clean_ask,
    "clean-blocked": build_clean_blocked,
    "clean-result": build_clean_result,
    "fallback": build_fallback,
    "about": build_about,
    **_clean_screens(),
}
