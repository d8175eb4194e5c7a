"""Linux: the systemd journal's native protocol, with syslog where no journal runs.

Why our own sender rather than python-systemd's ``systemd.journal.send``: that binding
is a C extension that must be built against libsystemd's headers (no wheels on PyPI), so
the deb, the frozen build and every developer's venv would need a compiler and
``libsystemd-dev``. The protocol it speaks is small, documented and stable
(https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): one AF_UNIX/SOCK_DGRAM datagram to
``/run/systemd/journal/socket`` per entry, each field ``NAME=value\\n``, or, for a value
holding a newline, ``NAME\\n`` + the value's length as a 64-bit little-endian integer +
the value + ``\\n``. journald adds the trusted fields (``_UID``, ``_PID``, ``_COMM``,
``_HOSTNAME``, ``_BOOT_ID``) itself from the socket's credentials, so an officer can write
an entry but cannot make it look like another user's or another program's.

The protocol's second form (an empty datagram carrying a sealed memfd) is for entries
over the socket's datagram size; ours are a few hundred bytes and capped at
``MAX_ENTRY``, so it is never needed: an entry over the cap is refused instead.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Iterable

from devicecheck.oslog.events import OsLogEvent, OsLogUnavailable
from devicecheck.oslog.syslog import SyslogWriter, unix_datagram_socket

JOURNAL_SOCKET = "/run/systemd/journal/socket"
MAX_ENTRY = 48 * 1024   # well under the default AF_UNIX datagram limit (~208 KiB)
SEND_TIMEOUT_S = 1.0    # a wedged journald must not hold up a clean or the tray


def encode(fields: Iterable[tuple[str, str]]) -> bytes:
    """One journal entry in the native format (pure)."""
    out = bytearray()
    for name, value in fields:
        data = value.encode("utf-8", "replace")
        key = name.encode("ascii")
        if b"\n" in data:
            out += key + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key + b"=" + data + b"\n"
    return bytes(out)


def _describe(exc: OSError, path: str) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"no journal socket at {path}"
    if isinstance(exc, ConnectionRefusedError):
        return f"the journal is not running ({path} refuses connections)"
    if isinstance(exc, PermissionError):
        return f"not allowed to write to {path}"
    return f"{path}: {exc.strerror or exc}"


class JournaldWriter:
    target = "the Linux journal"

    def __init__(self, socket_path: str = JOURNAL_SOCKET) -> None:
        self.socket_path = socket_path

    def write(self, event: OsLogEvent) -> None:
        data = encode(event.journal_fields())
        if len(data) > MAX_ENTRY:
            raise OsLogUnavailable(f"entry of {len(data)} bytes is over {MAX_ENTRY}")
        try:
            with unix_datagram_socket() as sock:
                sock.settimeout(SEND_TIMEOUT_S)
                sock.sendto(data, self.socket_path)
        except OSError as exc:
            raise OsLogUnavailable(_describe(exc, self.socket_path)) from exc

    def probe(self) -> str | None:
        try:
            if not stat.S_ISSOCK(os.stat(self.socket_path).st_mode):
                return f"{self.socket_path} is not a socket"
            # connect() on a datagram socket checks that journald listens; sends nothing.
            with unix_datagram_socket() as sock:
                sock.settimeout(SEND_TIMEOUT_S)
                sock.connect(self.socket_path)
        except OSError as exc:
            return _describe(exc, self.socket_path)
        return None


class LinuxWriter:
    """The journal where it runs, else syslog; unavailable only when both are."""

    def __init__(self, journal: JournaldWriter | None = None,
                 syslog: SyslogWriter | None = None) -> None:
        self.journal = journal or JournaldWriter()
        self.syslog = syslog or SyslogWriter()
        self.target = self.journal.target

    def write(self, event: OsLogEvent) -> None:
        try:
            self.journal.write(event)
            self.target = self.journal.target
            return
        except OsLogUnavailable as first:
            try:
                self.syslog.write(event)
            except OsLogUnavailable as second:
                raise OsLogUnavailable(f"{first}; {second}") from second
            self.target = self.syslog.target

    def probe(self) -> str | None:
        first = self.journal.probe()
        if first is None:
            self.target = self.journal.target
            return None
        second = self.syslog.probe()
        if second is None:
            self.target = self.syslog.target
            return None
        return f"{first}; {second}"
