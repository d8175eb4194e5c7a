"""Syslog over ``/dev/log``, for Linux (and other Unix) systems without a journal.

The line is the classic BSD form that glibc's ``syslog(3)`` sends to ``/dev/log`` and
rsyslog/syslog-ng parse (RFC 3164 section 4.1): ``<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG``.
Facility authpriv (10): audit evidence belongs with the restricted authentication logs
(``/var/log/auth.log``, ``/var/log/secure``), not in a world-readable file. Syslog has no
structured fields, so the message carries ``event_id``, ``kind`` and ``message_id`` as
``key=value`` words and the allowed fields as one JSON object, all on one line.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time

from devicecheck.oslog.events import IDENTIFIER, OsLogEvent, OsLogUnavailable

DEV_LOG = "/dev/log"
FACILITY_AUTHPRIV = 10
SEVERITY = {"info": 6, "warning": 4}
MAX_LINE = 8 * 1024   # rsyslog's default maxMessageSize


def unix_datagram_socket() -> socket.socket:
    """A Unix datagram socket, as syslog and journald take. Python on Windows has no
    ``AF_UNIX`` (the Windows writer is the Event Log): an OSError there, which the writers
    report as "unavailable" like any other."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        raise OSError(errno.EAFNOSUPPORT, "no Unix sockets on Windows")
    return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)


def format_line(event: OsLogEvent, *, now: float | None = None, pid: int | None = None) -> bytes:
    """One syslog datagram (pure given ``now`` and ``pid``)."""
    pri = FACILITY_AUTHPRIV * 8 + SEVERITY[event.level]
    stamp = time.strftime("%b %d %H:%M:%S", time.localtime(now if now is not None else time.time()))
    if stamp[4] == "0":  # RFC 3164: the day is space-padded, not zero-padded
        stamp = stamp[:4] + " " + stamp[5:]
    body = (f"DEVICECHECK event_id={event.event_id} kind={event.kind} "
            f"message_id={event.message_id} {event.message} {event.record_json}")
    body = body.replace("\n", " ")
    line = f"<{pri}>{stamp} {IDENTIFIER}[{pid if pid is not None else os.getpid()}]: {body}"
    return line.encode("utf-8", "replace")[:MAX_LINE]


class SyslogWriter:
    target = "syslog (/dev/log)"

    def __init__(self, path: str = DEV_LOG) -> None:
        self.path = path
        self.target = f"syslog ({path})"

    def write(self, event: OsLogEvent) -> None:
        try:
            with unix_datagram_socket() as sock:
                sock.settimeout(1.0)
                sock.sendto(format_line(event), self.path)
        except OSError as exc:
            raise OsLogUnavailable(self._why(exc)) from exc

    def probe(self) -> str | None:
        try:
            with unix_datagram_socket() as sock:
                sock.settimeout(1.0)
                sock.connect(self.path)
        except OSError as exc:
            return self._why(exc)
        return None

    def _why(self, exc: OSError) -> str:
        if isinstance(exc, FileNotFoundError):
            return f"no syslog socket at {self.path}"
        if isinstance(exc, ConnectionRefusedError):
            return f"no syslog daemon listens on {self.path}"
        return f"{self.path}: {exc.strerror or exc}"
