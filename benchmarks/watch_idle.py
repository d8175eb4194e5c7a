"""Idle cost of ``devicecheck watch`` against a bare QCoreApplication idling as long, in
the same run, in three scenarios:

  a  Teams absent (nothing on the API port, no Teams process);
  b  a new-Teams log being appended at 10 lines/s (policy ``[teams] log_folders`` = a temp
     folder, a stand-in ``teams-for-linux`` process running so the log source is active);
  c  the audio source on with no capture streams (a stand-in client running, a private
     PulseAudio up: tests/e2e/pulse.py). Skipped when pulseaudio cannot start.
  d  during a meeting (a call-active line in the followed log) with the stand-in meeting
     window open (tests/helpers/fake_meeting_window.py: a Qt window named teams-for-linux
     on a private Xvfb and a private accessibility bus, no indicator shown, so every poll
     is a full walk: the worst case). Run twice, with the recording source (``window``) on
     and with it off (``[teams] disabled_sources``); the figure is the difference, as a
     share of one core. Skipped without Xvfb, dbus-daemon or at-spi2-core.

Every scenario's ``watch`` talks to the same private PulseAudio when one is up (a Linux
desktop has an audio server; without one the audio source would retry with backoff),
so b and c also run the audio and camera sources.

Both processes start together; after a warm-up (start-up is a one-off cost, reported
separately) CPU time and voluntary context switches (wake-ups) are measured over the
window. ``watch``'s figures include its children (the ``pactl`` it runs): live ones are
read directly, reaped ones through the kernel's children CPU times. Context switches of a
child that exited inside the window are counted up to its last 0.5 s sample. Peak RSS is
the kernel's high-water mark where the OS keeps one (Linux VmHWM), else the largest sample.

Targets: watch CPU <= 0.3 % of one core; wake-ups <= 2/s above the bare app;
peak RSS <= 1.5x the bare app (scenario a only: later scenarios load more sources).
Scenario d (a meeting, not idle): the recording source adds <= 1 % of one core.

Usage: python benchmarks/watch_idle.py [--seconds 60] [--warmup 5] [--scenarios a,b,c,d]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # tests/e2e/pulse.py: the private audio server

from tests.e2e.pulse import PrivatePulse, PulseUnavailable  # noqa: E402

CPU_TARGET_PCT = 0.3
WAKE_TARGET_PER_S = 2.0
RSS_TARGET_RATIO = 1.5
LOG_LINES_PER_S = 10
BARE = ("import sys\nfrom PySide6.QtCore import QCoreApplication\n"
        "app = QCoreApplication(sys.argv)\nsys.exit(app.exec())\n")
SCENARIOS = {"a": "Teams absent", "b": f"log appended at {LOG_LINES_PER_S} lines/s",
             "c": "audio source on, no capture streams",
             "d": "in a meeting, stand-in meeting window open, recording source on",
             "d0": "in a meeting, stand-in meeting window open, recording source off"}
WINDOW_TARGET_PCT = 1.0
#: A new-Teams call-active line (shared/reference/teams.md, "2026"; the log source's
#: tests use the same shape): it starts a meeting for the log source.
CALL_ACTIVE = ("2026-07-26T11:24:22.599057+01:00 0x00006de8 <INFO> HfpVoipCallCoordinatorImpl: "
               "NotifyCallActive callId: d84b5a2e-1c3f-4e7a-9b1d-2f6c8e0a7d11causeId: x\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def voluntary_switches(pid: int) -> int:
    """All threads' voluntary context switches (psutil's figure is the main thread's)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        try:
            return int(psutil.Process(pid).num_ctx_switches().voluntary)
        except psutil.Error:
            return 0
    for tid in tasks:
        try:
            for line in Path(f"/proc/{pid}/task/{tid}/status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Tree:
    """A process and its descendants: CPU seconds and wake-ups, children included."""

    proc: psutil.Process
    child_switches: dict[int, int] = field(default_factory=dict)   # last sample per pid
    child_cpu: dict[int, float] = field(default_factory=dict)
    seen_children: set[int] = field(default_factory=set)

    def sample(self) -> None:
        try:
            kids = self.proc.children(recursive=True)
        except psutil.Error:
            return
        for kid in kids:
            try:
                t = kid.cpu_times()
                self.child_cpu[kid.pid] = t.user + t.system
                self.child_switches[kid.pid] = voluntary_switches(kid.pid)
                self.seen_children.add(kid.pid)
            except psutil.Error:
                continue

    def live(self) -> set[int]:
        try:
            return {k.pid for k in self.proc.children(recursive=True)}
        except psutil.Error:
            return set()

    def cpu(self) -> float:
        """Own CPU + reaped children (kernel) + live children (read now)."""
        t = self.proc.cpu_times()
        live = self.live()
        return float(t.user + t.system + t.children_user + t.children_system
                     + sum(v for p, v in self.child_cpu.items() if p in live))

    def switches(self) -> int:
        return voluntary_switches(self.proc.pid) + sum(self.child_switches.values())


def teams_like() -> set[int]:
    """PIDs of processes named like a catalogued Teams client (browsers aside)."""
    from devicecheck.cleaner.catalogue import CLIENT_IDS, process_names
    from devicecheck.osinfo import current_os
    from devicecheck.probes.processes import find_processes

    os_name = current_os()
    names = [n for c in CLIENT_IDS if c != "teams-web" for n in process_names(c, os_name)]
    return {p.pid for p in find_processes(names, os_name=os_name)}


def peak_rss(proc: psutil.Process, sampled: int) -> int:
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return max(int(getattr(proc.memory_info(), "peak_wset", 0)), sampled)


@contextmanager
def stand_in_teams(folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose executable is named teams-for-linux (a copy of ``sleep``: the
    client is known by the file it runs, and a link resolves to ``sleep``), as in the tests."""
    sleep = shutil.which("sleep")
    assert sleep, "coreutils sleep is needed"
    exe = folder / "teams-for-linux"
    if not exe.exists():
        shutil.copy(sleep, exe)
    proc = subprocess.Popen([str(exe), "3600"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def log_writer(path: Path, stop: threading.Event) -> None:
    """Appends new-Teams-shaped lines (shared/reference/teams.md, "2026": timestamp with
    offset, thread id, level) that are not call lines: the log source reads and skips them."""
    n = 0
    with path.open("a", encoding="utf-8") as f:
        while not stop.wait(1 / LOG_LINES_PER_S):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S") + f".{n % 1_000_000:06d}+01:00"
            f.write(f"{stamp} 0x00006de8 <INFO> benchmark filler line {n}\n")
            f.flush()
            n += 1


@dataclass
class Result:
    scenario: str
    window: float
    cpu: dict[str, float]
    wakes: dict[str, float]
    startup: dict[str, float]
    peaks: dict[str, int]
    children: int
    live_sources: str
    exit_code: int | None
    stderr_lines: int
    foreign_teams: int = 0   # Teams-named processes not ours (another run's stand-ins)


@dataclass
class MeetingWindow:
    """Scenario d's stage: a private Xvfb and accessibility bus (tests/helpers)."""

    display: str
    session: Any
    xvfb: subprocess.Popen[bytes]

    @staticmethod
    def start() -> MeetingWindow | None:
        from tests.helpers.fake_meeting_window import A11ySession, A11yUnavailable

        if shutil.which("Xvfb") is None:
            print("no Xvfb: scenario d skipped")
            return None
        try:
            session = A11ySession().start()
        except A11yUnavailable as exc:
            print(f"no accessibility bus ({exc}): scenario d skipped")
            return None
        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp"],
                                pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        return MeetingWindow(f":{number}", session, xvfb)

    @contextmanager
    def window(self, folder: Path) -> Iterator[subprocess.Popen[str]]:
        from tests.helpers.fake_meeting_window import wait_ready, window_argv, window_env

        ready = folder / "window.ready"
        proc = subprocess.Popen(window_argv(ready), env=window_env(self.session, self.display),
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            wait_ready(ready)
            yield proc
        finally:
            proc.kill()
            proc.wait(timeout=10)

    def stop(self) -> None:
        self.xvfb.terminate()
        self.xvfb.wait(timeout=10)
        self.session.stop()


def measure(scenario: str, args: argparse.Namespace, home: Path,
            pulse: PrivatePulse | None, stage: MeetingWindow | None = None) -> Result:
    policy = home / f"policy-{scenario}.toml"
    url = f"ws://127.0.0.1:{free_port()}"   # free a moment ago: nothing listens
    logs = home / f"logs-{scenario}"
    logs.mkdir()
    off = '\ndisabled_sources = ["window"]' if scenario == "d0" else ""
    policy.write_text(f'[teams]\nlocal_api_url = "{url}"\nlog_folders = ["{logs}"]{off}\n',
                      encoding="utf-8")
    # A throw-away home so the run never touches the real user's data or token.
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CONFIG_DIRS": str(home / "etc"),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT / "src")}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    if pulse is not None:
        env.update({k: v for k, v in pulse.env.items() if k.startswith(("PULSE", "XDG_RUN"))})
    if stage is not None:   # watch reads the private accessibility bus (scenario d)
        env["DBUS_SESSION_BUS_ADDRESS"] = stage.session.env["DBUS_SESSION_BUS_ADDRESS"]
    watch_cmd = [sys.executable, "-m", "devicecheck", "watch", "--json", "--no-clean",
                 "--policy", str(policy)]
    stop = threading.Event()
    writer: threading.Thread | None = None
    with contextmanager_if(scenario in ("b", "c"), home / f"bin-{scenario}"), \
            (stage.window(home) if stage is not None else _nothing()):
        if stage is not None:
            (logs / "MSTeams_2026-07-26_11-24-22.00.log").write_text("", encoding="utf-8")
        if scenario == "b":
            log = logs / "MSTeams_2026-07-26_11-24-22.00.log"
            log.write_text("", encoding="utf-8")
            writer = threading.Thread(target=log_writer, args=(log, stop), daemon=True)
            writer.start()
        procs: dict[str, subprocess.Popen[Any]] = {
            "watch": subprocess.Popen(watch_cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True),
            "bare": subprocess.Popen([sys.executable, "-c", BARE], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        }
        trees = {k: Tree(psutil.Process(p.pid)) for k, p in procs.items()}
        ours = {c.pid for c in psutil.Process().children(recursive=True)}
        samples = dict.fromkeys(procs, 0)
        try:
            if stage is not None:
                time.sleep(1.0)   # the log source follows the file by then: a new line
                with (logs / "MSTeams_2026-07-26_11-24-22.00.log").open("a") as f:
                    f.write(CALL_ACTIVE)
            time.sleep(args.warmup)
            for t in trees.values():
                t.sample()
            start_cpu = {k: t.cpu() for k, t in trees.items()}
            start_sw = {k: t.switches() for k, t in trees.items()}
            t0 = time.monotonic()
            foreign: set[int] = set()
            while time.monotonic() - t0 < args.seconds:
                for k, t in trees.items():
                    samples[k] = max(samples[k], t.proc.memory_info().rss)
                    t.sample()
                foreign |= teams_like() - ours
                time.sleep(0.5)
            window = time.monotonic() - t0
            for t in trees.values():
                t.sample()
            end_cpu = {k: t.cpu() for k, t in trees.items()}
            end_sw = {k: t.switches() for k, t in trees.items()}
            peaks = {k: peak_rss(t.proc, samples[k]) for k, t in trees.items()}
        finally:
            stop.set()
            procs["bare"].kill()
            procs["watch"].send_signal(signal.SIGTERM)   # the clean way out: exit 0
        out, err = procs["watch"].communicate(timeout=30)
        procs["bare"].wait(timeout=30)
    if writer is not None:
        writer.join(timeout=5)
    live = ""
    for line in out.splitlines():
        if '"signals"' in line and '"live"' in line:
            live = ",".join(json.loads(line).get("detail", {}).get("live", []))
            break
    if stage is not None and '"meeting-started"' not in out:
        live += " (NO MEETING STARTED: the figure is not a meeting one)"
    return Result(scenario, window,
                  {k: end_cpu[k] - start_cpu[k] for k in trees},
                  {k: (end_sw[k] - start_sw[k]) / window for k in trees},
                  start_cpu, peaks, len(trees["watch"].seen_children), live,
                  procs["watch"].returncode, len(err.splitlines()), len(foreign))


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def contextmanager_if(wanted: bool, folder: Path) -> Iterator[None]:
    if not wanted:
        yield
        return
    folder.mkdir()
    with stand_in_teams(folder):
        yield


def report(r: Result, warmup: float) -> bool:
    print(f"[{r.scenario}] {SCENARIOS[r.scenario]}: {r.window:.0f} s window after "
          f"{warmup:.0f} s warm-up; watch's live sources: {r.live_sources or '?'}")
    for k in ("watch", "bare"):
        print(f"  {k:<6} CPU {r.cpu[k]:.3f} s = {100 * r.cpu[k] / r.window:.3f} % of one core; "
              f"wake-ups {r.wakes[k]:.2f}/s; start-up CPU {r.startup[k]:.2f} s; "
              f"peak RSS {r.peaks[k] / 2**20:.1f} MiB")
    cpu_pct = 100 * r.cpu["watch"] / r.window
    extra_wakes = r.wakes["watch"] - r.wakes["bare"]
    cpu_ratio = (f"{r.cpu['watch'] / r.cpu['bare']:.1f}x" if r.cpu["bare"] > 0
                 else "n/a (bare used none)")
    rss_ratio = r.peaks["watch"] / r.peaks["bare"]
    print(f"  ratios: CPU {cpu_ratio} bare; wake-ups +{extra_wakes:.2f}/s over bare; "
          f"peak RSS {rss_ratio:.2f}x bare; watch children seen: {r.children}; "
          f"watch exit {r.exit_code}, stderr lines {r.stderr_lines}")
    if r.foreign_teams:
        print(f"  NOTE: {r.foreign_teams} Teams-named process(es) of another run were seen: "
              "watch watched them too, so this figure is not a clean idle one")
    if r.scenario.startswith("d"):
        return True   # a meeting, not idle: judged as a pair in report_window()
    ok_cpu, ok_wake = cpu_pct <= CPU_TARGET_PCT, extra_wakes <= WAKE_TARGET_PER_S
    ok_rss = r.scenario != "a" or rss_ratio <= RSS_TARGET_RATIO
    print(f"  target CPU <= {CPU_TARGET_PCT} %: {'meets' if ok_cpu else 'MISSES'}; "
          f"wake-ups <= +{WAKE_TARGET_PER_S:g}/s: {'meets' if ok_wake else 'MISSES'}"
          + (f"; peak RSS <= {RSS_TARGET_RATIO}x: {'meets' if ok_rss else 'MISSES'}"
             if r.scenario == "a" else ""))
    return ok_cpu and ok_wake and ok_rss


def report_window(on: Result, off: Result) -> bool:
    """Scenario d: what the recording source adds, both runs against their bare app."""
    added = 100 * (on.cpu["watch"] / on.window - off.cpu["watch"] / off.window)
    bare = 100 * (on.cpu["bare"] / on.window + off.cpu["bare"] / off.window) / 2
    ok = added <= WINDOW_TARGET_PCT
    print(f"[d] recording source in a meeting, stand-in window open: adds {added:.3f} % of "
          f"one core (bare app {bare:.3f} %); target <= {WINDOW_TARGET_PCT:g} %: "
          f"{'meets' if ok else 'MISSES'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--scenarios", default="a,b,c")
    args = ap.parse_args()
    wanted = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in wanted if s not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(unknown)}")

    pulse: PrivatePulse | None = None
    try:
        pulse = PrivatePulse().start()
    except PulseUnavailable as exc:
        print(f"no private PulseAudio ({exc}): scenario c skipped, others without audio")
    ok = True
    stage = MeetingWindow.start() if "d" in wanted else None
    try:
        for scenario in wanted:
            if scenario == "c" and pulse is None or scenario in ("d", "d0") and stage is None:
                continue
            runs = ["d", "d0"] if scenario == "d" else [scenario]
            results = []
            for run in runs:
                with tempfile.TemporaryDirectory(prefix="watch-idle-") as tmp:
                    result = measure(run, args, Path(tmp), pulse,
                                     stage if run.startswith("d") else None)
                    ok = report(result, args.warmup) and ok
                    results.append(result)
            if scenario == "d":
                ok = report_window(*results) and ok
    finally:
        if pulse is not None:
            pulse.stop()
        if stage is not None:
            stage.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
