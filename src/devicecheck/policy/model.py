"""The policy model: typed, frozen dataclasses whose fields *are* the schema.

Each field carries its documentation and limits in ``metadata`` so that validation,
``policy show``, the docs and the Group Policy templates are all driven from this one
declaration (settings as data, as in vorta's ``store/settings.py``). Defaults are the
strictest sensible values: a laptop with no policy at all is judged hard, never waved on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from devicecheck.policy import contributions as slots
from devicecheck.policy.contributions import Choices


class Severity(StrEnum):
    REQUIRED = "required"
    ADVISORY = "advisory"
    OFF = "off"


#: Every check id the product knows, in report order, each with its default severity
#: (contributed by ``checks/registry.py``, ``policy/contributions.py``); severity keys
#: outside it are policy errors.
CHECK_IDS: Choices = Choices(slots.CHECKS)
#: The catalogued Teams clients (contributed by their registry).
CLIENT_IDS: Choices = Choices(slots.CLIENTS)
#: The meeting signal sources policy can switch off, by their policy names (contributed by
#: ``teams/sources/__init__.py``).
SIGNAL_SOURCES: Choices = Choices(slots.SIGNAL_SOURCES)


def default_severity() -> dict[str, Severity]:
    """Each check's severity when the policy does not set it."""
    return {check: Severity(value) for check, value in CHECK_IDS.defaults().items()}


# Recording tools by process name (shared/reference/teams.md); IT can extend the list.
DEFAULT_RECORDERS: tuple[str, ...] = (
    "obs64.exe", "obs32.exe", "obs", "OBS",
    "CamtasiaStudio.exe", "CamRecorder.exe", "ShareX.exe", "bdcam.exe",
    "Snagit32.exe", "SnagitEditor.exe", "psr.exe",
    "XSplit.Core.exe", "XSplit.Broadcaster.exe", "Streamlabs OBS.exe", "Streamlabs Desktop.exe",
    "Audacity.exe", "audacity", "Audacity",
    "screencaptureui", "QuickTime Player", "ScreenFlow", "Loom", "Loom.exe",
    "simplescreenrecorder", "kazam", "peek", "vokoscreenNG", "kooha",
    "wf-recorder", "gpu-screen-recorder", "pw-record", "parecord", "arecord",
)


def meta(doc: str = "", **limits: Any) -> dict[str, Any]:
    """Field metadata: ``doc`` for people, plus optional ``min``/``max``/``choices``/``pattern``
    (a section's field in ``Policy`` carries its ``title`` instead)."""
    return {"doc": doc, **limits}


@dataclass(frozen=True)
class ChecklistItem:
    title: str
    say: str


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "I have asked the resident not to record the call",
        "Before we start, please don't record this call. We don't record it either.",
    ),
    ChecklistItem(
        "I have announced any supervisor and offered the right to refuse",
        "A colleague may join to support me. You can say no, and we'll carry on without them.",
    ),
    ChecklistItem(
        "Only the people invited to this call are present",
        "Can I check it is just you on the call with me, as invited?",
    ),
    ChecklistItem(
        "The meeting invitation was unique to this resident",
        "This meeting link was made for you alone; please don't pass it on.",
    ),
)


@dataclass(frozen=True)
class Organisation:
    name: str = field(default="", metadata=meta("Council name shown to officers."))
    tenant_ids: tuple[str, ...] = field(
        default=(), metadata=meta("Microsoft Entra tenant ids the device may be joined to.",
                                  pattern=r"^[0-9a-fA-F-]{36}$"))
    domains: tuple[str, ...] = field(
        default=(), metadata=meta("AD / Kerberos domains the device may be joined to."))
    mdm_servers: tuple[str, ...] = field(
        default=(), metadata=meta("Host names of the council's MDM servers (macOS enrolment)."))
    it_contact: str = field(
        default="your council's IT service desk",
        metadata=meta("Who officers contact when they cannot fix a problem themselves."))
    linux_machine_marker: str = field(
        default="", metadata=meta("Absolute path of a root-owned file that marks a Linux "
                                  "laptop enrolled by the council's own means."))


@dataclass(frozen=True)
class OsPolicy:
    min_windows_build: int = field(
        default=19045, metadata=meta("Lowest Windows build allowed (19045 = Windows 10 22H2).",
                                     min=10240, max=99999))
    min_macos_version: str = field(
        default="14.0", metadata=meta("Lowest macOS version allowed.", pattern=r"^\d+(\.\d+){0,2}$"))
    min_linux_kernel: str = field(
        default="5.15", metadata=meta("Lowest Linux kernel version allowed.",
                                      pattern=r"^\d+(\.\d+){0,2}$"))


@dataclass(frozen=True)
class ScreenLock:
    max_idle_minutes: int = field(
        default=5, metadata=meta("The screen must lock after at most this many idle minutes.",
                                 min=1, max=60))


@dataclass(frozen=True)
class Antivirus:
    max_signature_age_days: int = field(
        default=3, metadata=meta("Anti-virus signatures must be younger than this.", min=1, max=30))
    endpoint_agent_processes: tuple[str, ...] = field(
        default=(), metadata=meta("macOS/Linux: process names of the endpoint agent that must "
                                  "run. A process counts only when it runs as root from a "
                                  "folder agents install into (/opt or /usr's system folders; "
                                  "/Library or /Applications), never another user's."))


@dataclass(frozen=True)
class CleanerPolicy:
    mode: str = field(
        default="personal-data",
        metadata=meta("personal-data clears names, e-mails and caches (may ask for sign-in "
                      "again); caches-only clears caches alone.",
                      choices=("personal-data", "caches-only")))
    clear_cookies: bool = field(
        default=False, metadata=meta("Also clear the client's cookies (forces a new sign-in)."))
    auto_clean: bool = field(
        default=True, metadata=meta("Clear meeting data automatically after each meeting."))
    offer_quit_teams: bool = field(
        default=True, metadata=meta("Older setting: false means the same as after_meeting = "
                                    "\"wait-for-exit\" (never ask to restart Teams)."))
    after_meeting: str = field(
        default="ask",
        metadata=meta("When Teams is still open after a meeting: ask asks the officer to let "
                      "DeviceCheck restart Teams for a few seconds and clear; restart-when-idle "
                      "does it without asking once the officer is idle and no meeting is on; "
                      "wait-for-exit clears only when Teams next exits.",
                      choices=("ask", "restart-when-idle", "wait-for-exit")))
    idle_minutes: int = field(
        default=10, metadata=meta("restart-when-idle: the officer must have been idle this long.",
                                  min=1, max=240))
    quit_timeout_seconds: int = field(
        default=15, metadata=meta("How long a restart waits for Teams to quit before it ends "
                                  "Teams' processes.", min=1, max=300))
    clean_at_logon: bool = field(
        default=False, metadata=meta("At logon, clear meeting data before Teams starts, then "
                                     "start Teams (switch Teams' own autostart off for this)."))
    max_age_hours: int = field(
        default=24, metadata=meta("meeting-data warns when personal data is older than this "
                                  "and no clean has run.", min=1, max=720))
    clients: tuple[str, ...] = field(
        default_factory=CLIENT_IDS.ids,
        metadata=meta("Client ids the cleaner looks after.", choices=CLIENT_IDS))


@dataclass(frozen=True)
class NoticePolicy:
    file: str = field(
        default="", metadata=meta("Path of the council's own notice (HTML or Markdown); empty "
                                  "means the built-in notice."))
    revision_date: str = field(
        default="", metadata=meta("Declared revision date of the notice file (YYYY-MM-DD).",
                                  pattern=r"^(\d{4}-\d{2}-\d{2})?$"))
    acknowledge: str = field(
        default="every-call", metadata=meta("How often the officer acknowledges the notice.",
                                            choices=("every-call", "daily", "new-version")))
    allow_advisory_continue: bool = field(
        default=True, metadata=meta("Officers may go on despite advisory problems "
                                    "(never despite required ones)."))
    checklist: tuple[ChecklistItem, ...] = field(
        default=DEFAULT_CHECKLIST,
        metadata=meta("Opening script: the lines the officer says and ticks as they open a call (a list of tables with 'title' and 'say')."))


@dataclass(frozen=True)
class AuditPolicy:
    retention_days: int = field(
        default=90, metadata=meta("Audit records older than this are deleted.", min=1, max=3650))
    max_bytes: int = field(
        default=1_048_576, metadata=meta("The audit log rotates past this size.",
                                         min=4096, max=104_857_600))
    os_log: bool = field(
        default=True, metadata=meta("Also write every audit record to the operating system's "
                                    "log (Windows Application log, journald, macOS unified "
                                    "log) for the council's SIEM; see docs/siem.md."))


@dataclass(frozen=True)
class TeamsPolicy:
    local_api_url: str = field(
        default="ws://127.0.0.1:8124",
        metadata=meta("Teams third-party app API (loopback only).",
                      pattern=r"^wss?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/.*)?$"))
    meeting_end_grace_seconds: int = field(
        default=30, metadata=meta("All meeting signals must stay clear this long before a "
                                  "meeting counts as ended.", min=0, max=3600))
    local_api: bool = field(
        default=False, metadata=meta("Also use the Teams third-party app API (retired by "
                                     "Microsoft in 2026) where a tenant still has it."))
    use_local_api: bool = field(
        default=False, metadata=meta("Older name of local_api; true still switches the API "
                                     "on."))
    log_folders: tuple[str, ...] = field(
        default=(), metadata=meta("Extra folders holding new Teams' MSTeams_*.log files to "
                                  "follow (a non-standard profile location)."))
    disabled_sources: tuple[str, ...] = field(
        default=(), metadata=meta("Meeting signal sources not to use.",
                                  choices=SIGNAL_SOURCES))
    # New Teams' toolbar automation ids are language-independent (danswett/
    # streamdeck-teams-control README; jimmyeao/TEAMS2HA uia_monitor.rs): a window holding
    # one of them is a call in progress. `devicecheck pilot` offers the ids it saw in `join`.
    call_control_ids: tuple[str, ...] = field(
        default=("hangup-button",),
        metadata=meta("Automation ids of Teams' in-call controls: a Teams window holding one "
                      "of them is in a call (Windows and macOS window source; devicecheck "
                      "pilot lists the ids seen on this laptop)."))
    pilot_menu: bool = field(
        default=False, metadata=meta("Show \"Test meeting detection…\" in the tray menu: "
                                     "the guided pilot of meeting and recording detection "
                                     "(devicecheck pilot), for IT on a test laptop."))


@dataclass(frozen=True)
class RecordingPolicy:
    attestation_max_age_days: int = field(
        default=35, metadata=meta("The IT recording-policy attestation must be younger than this.",
                                  min=1, max=365))
    recorder_processes: tuple[str, ...] = field(
        default=DEFAULT_RECORDERS, metadata=meta("Process names of recording software."))
    extra_recorder_processes: tuple[str, ...] = field(
        default=(), metadata=meta("Added to recorder_processes without restating the defaults."))
    # What Teams shows while a meeting is recorded or transcribed (docs/recording.md, "The
    # live alert", has the sources); the recording source matches accessible names whole.
    indicator_names: tuple[str, ...] = field(
        default=("Recording", "Recording has started", "Recording and transcribing",
                 "Recording and transcription have started", "Transcribing",
                 "Transcription has started", "This meeting is being recorded"),
        metadata=meta("Accessible names of Teams' recording indicator in the meeting window "
                      "(add the localised ones Teams shows here)."))
    attestation_public_key: str = field(
        default="", metadata=meta("Ed25519 public key (base64 of the raw 32 bytes) that signs "
                                  "the attestation; when set, teams-recording-policy.json "
                                  "must come with a valid detached signature "
                                  "teams-recording-policy.json.sig (base64).",
                                  pattern=r"^([A-Za-z0-9+/]{43}=)?$"))


@dataclass(frozen=True)
class ChecksPolicy:
    advisory_grace_days: int = field(
        default=0, metadata=meta("Days officers have to fix an advisory problem; the verdict "
                                 "then says \"Fix soon\" with that date (0: no date).",
                                 min=0, max=365))


@dataclass(frozen=True)
class TrayPolicy:
    check_interval_minutes: int = field(
        default=30, metadata=meta("Re-run the checks this often.", min=1, max=1440))
    allow_quit: bool = field(default=True, metadata=meta("Show Quit in the tray menu."))
    installer_autostart: bool = field(
        default=False, metadata=meta("The installer starts DeviceCheck for all users: hide the "
                                     "per-user autostart toggle."))


@dataclass(frozen=True)
class Policy:
    organisation: Organisation = field(
        default_factory=Organisation, metadata=meta(title="Organisation"))
    severity: MappingProxyType[str, Severity] = field(
        default_factory=lambda: MappingProxyType(default_severity()),
        metadata=meta("Per check: required, advisory or off.", title="Check severity",
                      keys=CHECK_IDS,
                      choices=tuple(s.value for s in Severity)))
    checks: ChecksPolicy = field(default_factory=ChecksPolicy, metadata=meta(title="Checks"))
    os: OsPolicy = field(default_factory=OsPolicy, metadata=meta(title="Operating system"))
    screen_lock: ScreenLock = field(default_factory=ScreenLock, metadata=meta(title="Screen lock"))
    antivirus: Antivirus = field(default_factory=Antivirus, metadata=meta(title="Anti-virus"))
    cleaner: CleanerPolicy = field(
        default_factory=CleanerPolicy, metadata=meta(title="Meeting-data cleaner"))
    notice: NoticePolicy = field(
        default_factory=NoticePolicy, metadata=meta(title="Privacy notice"))
    audit: AuditPolicy = field(default_factory=AuditPolicy, metadata=meta(title="Audit log"))
    teams: TeamsPolicy = field(default_factory=TeamsPolicy, metadata=meta(title="Teams link"))
    recording: RecordingPolicy = field(
        default_factory=RecordingPolicy, metadata=meta(title="Recording guard"))
    tray: TrayPolicy = field(default_factory=TrayPolicy, metadata=meta(title="Tray app"))

    def severity_of(self, check_id: str) -> Severity:
        return self.severity.get(check_id, Severity.REQUIRED)

    def local_api_on(self) -> bool:
        """The retired Teams API is used only where IT switches it on (either name)."""
        return self.teams.local_api or self.teams.use_local_api

    def recorders(self) -> tuple[str, ...]:
        return self.recording.recorder_processes + self.recording.extra_recorder_processes


#: Section -> its title for people (Group Policy categories, docs/policy.md), from each
#: ``Policy`` field's metadata.
SECTION_TITLES: dict[str, str] = {f.name: f.metadata["title"] for f in fields(Policy)}

#: The nested settings sections (every ``Policy`` field but the per-check severities).
SECTIONS: tuple[str, ...] = tuple(f.name for f in fields(Policy) if f.name != "severity")
