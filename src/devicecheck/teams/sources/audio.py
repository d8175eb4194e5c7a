"""Linux audio capture by a Teams client (``audio``): PulseAudio/PipeWire capture streams.

Event-driven, because it runs all day while Teams is open: one ``pactl subscribe`` child
(blocked in the audio server's socket, so it costs nothing while nothing changes) is
started in ``start()`` and killed in ``stop()``. When it reports a capture-stream event
(``source-output``; parsers and evidence in ``teams/pactl.py``) the streams are listed
once with ``pactl -f json list source-outputs`` and judged:

- a stream counts for a client when its ``application.process.id`` is one of the
  client's PIDs *or a descendant of one* (Electron opens audio in a helper process whose
  binary name can be anything; parents are walked a bounded number of steps);
- failing that, when its ``application.process.binary`` is a running client's program
  name: a Flatpak app reports the PID inside its sandbox, which means nothing here
  (teams-for-linux ships as a Flatpak: devicecheck/clients.py). A note says so;
- a browser's stream (``process_names("teams-web", "linux")``) is reported in ``notes``
  only: a browser capturing is not necessarily Teams (shared/reference/teams.md, "2026").

Muted microphones stay open streams in a call (corked or not), so every stream counts.
When the list cannot be read the last meeting is kept as a *stale* reading (held only
while a client runs: a clean-up must never run during a call we lost sight of). A dead
``pactl subscribe`` (the audio server restarted) is restarted with backoff, and the
streams are listed again, since events in between were lost; and once more 2 s after each
start, since pactl says nothing when its subscription is live. No periodic re-list.
The server is found the way libpulse finds it (``PULSE_SERVER``, ``XDG_RUNTIME_DIR``...) in
``ctx.env`` (default: this process's environment), so tests point it at a private server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from devicecheck.clients import BROWSER_CLIENTS
from devicecheck.probes.runner import default_system_dirs, find_program
from devicecheck.teams import pactl
from devicecheck.teams.sources.base import CLEAR, Reading, SignalSource

log = logging.getLogger(__name__)

LIST_TIMEOUT_S = 3.0
#: Parents walked from a stream's process to find the client (Electron: main -> zygote ->
#: utility process; a Flatpak/bwrap wrapper adds a couple more).
MAX_DEPTH = 8
DEBOUNCE_MS = 100            # a new stream comes with a burst of change events
HEALTHY_RUN_S = 30.0         # a subscribe child that lived this long resets the backoff
#: pactl subscribe prints nothing once connected, so a stream opened while it connects
#: would go unseen: list once more this long after each (re)start.
SETTLE_MS = 2000


class _Listed(QObject):
    """Carries a list's reading from its thread back to the GUI thread (queued)."""

    done = Signal(int, object)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


#: (argv, env, timeout_s) -> Completed; raises OSError / subprocess.TimeoutExpired.
Runner = Callable[[Sequence[str], Mapping[str, str], float], Completed]
#: pid -> [(pid, names), (parent, names), ...]: the process and its ancestors.
Lineage = Callable[[int], list[tuple[int, frozenset[str]]]]


def run_pactl(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
    proc = subprocess.run(list(argv), env=dict(env), capture_output=True, text=True,  # noqa: S603
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    return Completed(proc.returncode, proc.stdout, proc.stderr)


def psutil_lineage(pid: int, depth: int = MAX_DEPTH) -> list[tuple[int, frozenset[str]]]:
    """The process and up to ``depth`` ancestors, each with its name and exe basename."""
    import psutil

    chain: list[tuple[int, frozenset[str]]] = []
    current: int | None = pid
    while current and len(chain) <= depth:
        try:
            proc = psutil.Process(current)
            names = {proc.name()}
            try:
                names.add(os.path.basename(proc.exe()))
            except (psutil.Error, OSError):
                pass
            chain.append((current, frozenset(n for n in names if n)))
            current = proc.ppid()
        except (psutil.Error, OSError):
            break
    return chain


def judge(streams: Iterable[pactl.CaptureStream], pids: Mapping[str, frozenset[int]],
          names: Mapping[str, frozenset[str]], browsers: frozenset[str],
          lineage: Lineage) -> Reading:
    """Which running clients capture audio (pure, given ``lineage``)."""
    meeting: set[str] = set()
    notes: set[str] = set()
    browsers_folded = {b.casefold() for b in browsers}
    running = {c for c, p in pids.items() if p}
    for stream in streams:
        chain = lineage(stream.pid) if stream.pid else []
        chain_pids = {p for p, _ in chain}
        by_pid = {c for c in running if pids[c] & chain_pids}
        if by_pid:
            meeting |= by_pid
            continue
        by_name = {c for c in running if stream.binary and stream.binary in names.get(c, ())}
        if by_name:
            meeting |= by_name
            notes.update(f"{c}: a capture stream matched by program name only (its process "
                         "id is not one of this session's, e.g. a Flatpak sandbox)"
                         for c in by_name)
            continue
        seen = {n for _, ns in chain for n in ns} | {stream.binary}
        browser = sorted(n for n in seen if n in browsers)
        if not browser and stream.app_name.casefold() in browsers_folded:
            browser = [stream.app_name]
        if browser:
            notes.add(f"a browser ({browser[0]}) is capturing audio: reported, not counted "
                      "as a Teams meeting")
    return Reading.of(sorted(meeting), notes=sorted(notes))


class AudioSource(SignalSource):
    name = "audio"
    needs_running = True
    describes = "audio capture"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        base = dict(ctx.env) if ctx.env is not None else dict(os.environ)
        # pactl reads the officer's own audio server (their PULSE_SERVER, XDG_RUNTIME_DIR),
        # but the binary is the system's: found in the fixed system folders, never PATH,
        # which is the officer's to set (probes.runner; tests pass ``system_dirs``).
        dirs = tuple(ctx.option("system_dirs") or default_system_dirs())
        # The event words are translatable (teams/pactl.py): read them in C.
        self.env: dict[str, str] = {**base, "LC_ALL": "C", "PATH": os.pathsep.join(dirs)}
        self._pactl: str | None = ctx.option("pactl") or find_program("pactl", dirs)
        self._run: Runner = ctx.option("audio_runner", run_pactl)
        self._lineage: Lineage = ctx.option("audio_lineage", psutil_lineage)
        self._subscribe = bool(ctx.option("audio_subscribe", True))
        self._min_backoff = int(ctx.option("audio_min_backoff_ms",
                                           ctx.option("min_backoff_ms", 1000)))
        self._max_backoff = int(ctx.option("audio_max_backoff_ms",
                                           ctx.option("max_backoff_ms", 60_000)))
        self._backoff = self._min_backoff
        parent = ctx.option("parent")
        self._parent = parent if isinstance(parent, QObject) else None
        self._names = {c: frozenset(ctx.process_names(c, "linux")) for c in ctx.clients}
        self.browsers = frozenset(n for c in sorted(BROWSER_CLIENTS)
                                  for n in ctx.process_names(c, "linux"))
        self.streams: list[pactl.CaptureStream] = []
        self.problem = None
        self.active = False
        self.proc: QProcess | None = None
        self._proc_started = 0.0
        self._buffer = b""
        self.lists = 0              # pactl list runs (tests, benchmark)
        self.restarts = 0           # subscribe children started after the first
        self._debounce = QTimer(self._parent)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(int(ctx.option("audio_debounce_ms", DEBOUNCE_MS)))
        self._debounce.timeout.connect(self.relist)
        self._restart = QTimer(self._parent)
        self._restart.setSingleShot(True)
        self._restart.timeout.connect(self._start_child)
        self._settle = QTimer(self._parent)
        self._settle.setSingleShot(True)
        self._settle.setInterval(int(ctx.option("audio_settle_ms", SETTLE_MS)))
        self._settle.timeout.connect(self.relist)
        # Lists run on a thread: a hung audio server must not freeze the tray for the
        # list's 3 s timeout. One at a time; a request meanwhile runs once after it.
        self._async = bool(ctx.option("audio_async", True))
        self._listed = _Listed(self._parent)
        self._listed.done.connect(self._on_listed)
        self._listing = False
        self._again = False
        self._generation = 0    # a list started before stop() never reports after it

    # -- life cycle -----------------------------------------------------------------
    def unavailable(self) -> str | None:
        if self.ctx.os_name != "linux":
            return "audio capture streams are read from PulseAudio/PipeWire on Linux only"
        if not self._pactl:
            return "pactl is not installed (Debian package pulseaudio-utils)"
        return None

    def start(self) -> None:
        self.active = True
        self._backoff = self._min_backoff
        if self._subscribe:
            self._start_child()
        self.relist()   # streams opened before we listened (Teams was already in a call)

    def stop(self) -> None:
        self.active = False
        self._generation += 1
        self._again = False
        self._debounce.stop()
        self._restart.stop()
        self._settle.stop()
        self._kill_child()
        self.streams = []
        self.last = CLEAR

    def _start_child(self) -> None:
        if not self.active or self.proc is not None or not self._pactl:
            return
        proc = QProcess(self._parent)
        env = QProcessEnvironment()
        for key, value in self.env.items():
            env.insert(key, value)
        proc.setProcessEnvironment(env)
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        proc.setStandardInputFile(QProcess.nullDevice())
        proc.setStandardErrorFile(QProcess.nullDevice())   # its failures show in the list
        proc.readyReadStandardOutput.connect(self._on_output)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        self.proc = proc
        self._buffer = b""
        self._proc_started = self.ctx.clock()
        proc.start(self._pactl, ["subscribe"])
        self._settle.start()

    def _kill_child(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for signal in (proc.readyReadStandardOutput, proc.finished, proc.errorOccurred):
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass
        if proc.state() != QProcess.ProcessState.NotRunning:
            proc.kill()
            proc.waitForFinished(2000)
        proc.deleteLater()

    # -- the subscribe child ----------------------------------------------------------
    def _on_output(self) -> None:
        proc = self.proc
        if proc is None:
            return
        self._buffer += bytes(proc.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        events = pactl.parse_events(b"\n".join(lines).decode("utf-8", "replace"))
        if pactl.touches_capture(events) and not self._debounce.isActive():
            self._debounce.start()

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._child_gone("pactl subscribe could not start")

    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._child_gone(f"pactl subscribe exited (code {code})")

    def _child_gone(self, why: str) -> None:
        if self.proc is None:
            return
        lived = self.ctx.clock() - self._proc_started
        self._kill_child()
        if not self.active:
            return
        if lived >= HEALTHY_RUN_S:
            self._backoff = self._min_backoff
        # Said once per outage (no audio server all day must not fill the log each minute).
        (log.info if self._backoff == self._min_backoff else log.debug)(
            "Audio source: %s; listening again in %d ms.", why, self._backoff)
        self._restart.start(self._backoff)
        self._backoff = min(self._backoff * 2, self._max_backoff)
        self.restarts += 1
        self.relist()   # events were lost (and the server may be gone: the list says)

    # -- reading --------------------------------------------------------------------
    def relist(self) -> None:
        if not self._async:
            reading = self.read()
            if self.active:
                self.emit(reading)
            return
        if self._listing:
            self._again = True
            return
        self._listing = True
        generation = self._generation
        threading.Thread(target=self._list_in_thread, args=(generation,),
                         name="devicecheck-pactl", daemon=True).start()

    def _list_in_thread(self, generation: int) -> None:
        try:
            reading = self.read()
        except Exception as exc:  # noqa: BLE001 - a list never takes the link down
            reading = Reading.of(self.last.meeting, stale=bool(self.last.meeting),
                                 notes=[f"the audio list failed ({type(exc).__name__})"])
        self._listed.done.emit(generation, reading)

    def _on_listed(self, generation: int, reading: Reading) -> None:
        self._listing = False
        if generation == self._generation and self.active:
            self.emit(reading)
        if self._again and self.active:
            self._again = False
            self.relist()

    def _pactl_json(self, what: str) -> tuple[str | None, str | None]:
        """(stdout, None) or (None, why it could not be read)."""
        assert self._pactl
        try:
            done = self._run([self._pactl, "-f", "json", "list", what], self.env,
                             LIST_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None, f"the audio server did not answer within {LIST_TIMEOUT_S:.0f} s"
        except OSError as exc:
            return None, f"pactl could not run ({exc.strerror or exc})"
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
            return None, f"no audio server answers ({first[:120]})"
        return done.stdout, None

    def read(self) -> Reading:
        """List the capture streams once and judge them (a failed list: a stale reading)."""
        self.lists += 1
        text, problem = self._pactl_json("source-outputs")
        streams: list[pactl.CaptureStream] = []
        if text is not None:
            try:
                streams = pactl.parse_source_outputs(text)
            except pactl.PactlParseError as exc:
                problem = f"pactl printed something unexpected ({exc}; pactl 16 or newer " \
                          "is needed for -f json)"
        if problem is None and pactl.needs_clients(streams):
            clients_text, _ = self._pactl_json("clients")
            try:
                clients = pactl.parse_clients(clients_text or "[]")
            except pactl.PactlParseError:
                clients = {}
            streams = pactl.with_clients(streams, clients)
        if problem is not None:
            if problem != self.problem:
                log.warning("Audio source: %s.", problem)
            self.problem = problem
            held = self.last.meeting
            return Reading.of(held, stale=bool(held), notes=[problem])
        self.problem = None
        self.streams = streams
        return self.judge()

    def judge(self) -> Reading:
        return judge(self.streams, self.pids, self._names, self.browsers, self._lineage)

    def processes(self, pids: Mapping[str, frozenset[int]]) -> None:
        changed = dict(pids) != dict(self.pids)
        super().processes(pids)
        # A client's PIDs changed (a new helper, a restart): the same streams may now
        # belong to it. No pactl run needed: the streams have not changed.
        if changed and self.active and self.streams and self.problem is None:
            self.emit(self.judge())

    def snapshot(self) -> dict[str, Any]:
        from devicecheck.teams.sources.base import reading_dict

        out = reading_dict(self.read())
        out["streams"] = len(self.streams)
        out["listening"] = self.proc is not None
        if self.problem:
            out["problem"] = self.problem
        return out
