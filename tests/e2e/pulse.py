"""A private PulseAudio server for tests and benchmarks, never the user's session.

``pulseaudio -n`` loads no default script; ``-F`` loads ours: a null sink (its monitor is
a capture source that needs no sound card) and the native protocol on a socket in a
temp folder, anonymous (no cookie). HOME, XDG_RUNTIME_DIR and XDG_CONFIG_HOME point into
that folder too, and clients get ``PULSE_SERVER=unix:<socket>``, so neither side can find
a real session's server. As root, pulseaudio 16.1 warns ("not intended to be run as root
(unless --system is specified)") and runs: CI runs as root, checked on Debian 12.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

SINK = "dcnull"
MONITOR = f"{SINK}.monitor"


class PulseUnavailable(RuntimeError):
    """The server could not be started here (the reason is the message)."""


class PrivatePulse:
    def __init__(self, start_timeout_s: float = 20.0) -> None:
        self.start_timeout_s = start_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        # Short path: a unix socket path must fit in 108 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="dc-pa-"))
        self.socket = self.dir / "native"
        self.log = self.dir / "pulseaudio.log"

    @property
    def env(self) -> dict[str, str]:
        """The environment a client of this server needs (PATH and LANG kept)."""
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TERM")}
        return {**keep, "PULSE_SERVER": f"unix:{self.socket}", "HOME": str(self.dir),
                "XDG_RUNTIME_DIR": str(self.dir), "XDG_CONFIG_HOME": str(self.dir / "cfg")}

    def start(self) -> PrivatePulse:
        exe = shutil.which("pulseaudio")
        if exe is None or shutil.which("pactl") is None:
            raise PulseUnavailable("needs pulseaudio and pactl (Debian: pulseaudio "
                                   "pulseaudio-utils; scripts/apt-packages.txt, test line)")
        conf = self.dir / "server.pa"
        conf.write_text(f"load-module module-null-sink sink_name={SINK}\n"
                        f"load-module module-native-protocol-unix socket={self.socket} "
                        "auth-anonymous=1\n", encoding="utf-8")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [exe, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
                 "--disable-shm=yes", "--log-target=stderr", "-F", str(conf)],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.answers():
                return self
            time.sleep(0.2)
        self.stop()
        tail = self.log.read_text(errors="replace").strip().splitlines()[-3:]
        raise PulseUnavailable("pulseaudio did not start: " + " | ".join(tail))

    def answers(self) -> bool:
        try:
            done = subprocess.run(["pactl", "info"], env=self.env, capture_output=True,
                                  timeout=5, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PrivatePulse:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def capture_argv(exe: Path | str) -> list[str]:
    """A capture stream from the null sink's monitor, written nowhere (pacat/parecord)."""
    return [str(exe), "--record", "-d", MONITOR, "/dev/null"]


def pacat() -> str | None:
    return shutil.which("pacat") or shutil.which("parecord")
