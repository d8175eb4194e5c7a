"""Linux back-end: AT-SPI 2 spoken directly over D-Bus with ``jeepney`` (pure Python).

Why D-Bus directly rather than pyatspi / GObject ``Atspi``: PyGObject from PyPI builds
from source (it needs libgirepository and cairo headers), and Debian's ``python3-gi``
lives outside our virtualenv and the frozen app; jeepney is pure Python, installs
anywhere, and blocking calls take a timeout, which the 200 ms walk deadline needs
(docs/architecture.md, "Recording indicator").

The protocol, from the AT-SPI D-Bus reference (at-spi2-core ``xml/*.xml``, published as
ubuntu-desktop-documentation ``docs/reference/accessibility/dbus/``):
- the accessibility bus is a separate bus; its address comes from
  ``org.a11y.Bus.GetAddress`` on the session bus (object ``/org/a11y/bus``), which starts
  ``at-spi-bus-launcher`` by D-Bus activation when it is not running yet;
- the registry (``org.a11y.atspi.Registry``, object ``/org/a11y/atspi/accessible/root``)
  lists the registered applications with ``org.a11y.atspi.Accessible.GetChildren`` as
  ``(bus name, object path)`` pairs; an application's process is the bus daemon's
  ``GetConnectionUnixProcessID`` of that bus name;
- every element answers ``GetChildren`` (``a(so)``), ``GetRole`` (``u``, the AtspiRole
  numbers below) and the ``Name`` property.

Each ``children()`` costs two pipelined round trips (the child list, then role and name of
every child at once), so a walk needs two round trips per expanded element.

What this cannot see, said as *unknown*, never as "not recording": no session bus or no
accessibility bus; a client that never registered (Chromium and so Electron build their
accessibility tree only once an assistive technology is detected: a screen reader sets
``org.a11y.Status.ScreenReaderEnabled``; we do not set it ourselves, because on GNOME that
starts the Orca screen reader — trycua/cua issues 2010 and 2915, AccessKit issue 713); a
client with no window (closed to the tray). A Flatpak client talks to the bus through a
proxy, so its process id is the proxy's and it is not found by PID either.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devicecheck.teams.a11y import base
from devicecheck.teams.a11y.base import TreeUnavailable

A11Y_BUS = "org.a11y.Bus"
A11Y_BUS_PATH = "/org/a11y/bus"
REGISTRY = "org.a11y.atspi.Registry"
ROOT_PATH = "/org/a11y/atspi/accessible/root"
NULL_PATH = "/org/a11y/atspi/null"
ACCESSIBLE = "org.a11y.atspi.Accessible"

#: AtspiRole numbers (atspi-constants.h) -> the common roles of ``a11y/base.py``.
ROLES: dict[int, str] = {
    2: base.STATUS,      # alert
    54: base.STATUS,     # status bar (ARIA role=status maps here in Chromium's ATK)
    101: base.STATUS,    # notification
    102: base.STATUS,    # info bar
    29: base.LABEL,      # label
    116: base.LABEL,     # static
    26: base.IMAGE,      # icon
    27: base.IMAGE,      # image
    43: base.BUTTON,     # push button (ATSPI_ROLE_BUTTON)
    40: base.TEXT,       # password text
    60: base.TEXT,       # terminal
    61: base.TEXT,       # text
    77: base.TEXT,       # editbar
    79: base.TEXT,       # entry
    73: base.PARAGRAPH,  # paragraph
    97: base.LOG,        # comment
    105: base.LOG,       # block quote
    109: base.LOG,       # article
    111: base.LOG,       # log (chat history)
    32: base.LIST_ITEM,  # list item
    82: base.DOCUMENT,   # document frame
    92: base.DOCUMENT,   # document spreadsheet
    93: base.DOCUMENT,   # document presentation
    94: base.DOCUMENT,   # document text
    95: base.DOCUMENT,   # document web
    96: base.DOCUMENT,   # document email
    16: base.WINDOW,     # dialog
    23: base.WINDOW,     # frame
    69: base.WINDOW,     # window
}


def role_of(number: int) -> str:
    return ROLES.get(number, base.OTHER)


def session_bus_address(env: Mapping[str, str]) -> str | None:
    """As libdbus finds it: ``DBUS_SESSION_BUS_ADDRESS``, else systemd's per-user bus
    ``$XDG_RUNTIME_DIR/bus`` (dbus-daemon(1), "the session bus")."""
    address = env.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if address:
        return address
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime, "bus").exists():
        return f"unix:path={Path(runtime, 'bus')}"
    return None


class _Bus:
    """One accessibility-bus connection with pipelined calls under a deadline."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.pids: dict[str, int] = {}   # unique bus names are never reused on a bus

    def calls(self, messages: Sequence[Any], timeout_s: float) -> list[Any | None]:
        """Send all, then collect the replies (None for an error reply)."""
        from jeepney.low_level import HeaderFields, MessageType

        serials: list[int] = []
        for message in messages:
            serial = next(self.conn.outgoing_serial)
            self.conn.send(message, serial=serial)
            serials.append(serial)
        wanted = set(serials)
        replies: dict[int, Any] = {}
        end = time.monotonic() + timeout_s
        while wanted - replies.keys():
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the application did not answer in time")
            reply = self.conn.receive(timeout=remaining)
            serial = reply.header.fields.get(HeaderFields.reply_serial)
            if serial in wanted:
                error = reply.header.message_type == MessageType.error
                replies[serial] = None if error else reply
        return [replies[s] for s in serials]

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass


class AtspiNode:
    def __init__(self, bus: _Bus, bus_name: str, path: str, name: str, role: str) -> None:
        self._bus, self.bus_name, self.path = bus, bus_name, path
        self.name, self.role = name, role
        # No automation id on Linux: AT-SPI's ``AccessibleId`` property (at-spi2-core
        # 2.34+) is set by toolkits through ``atk_object_set_accessible_id``, which no
        # source shows Chromium calling (it puts the HTML id among the object
        # *attributes*), and reading it would add a round trip per element to every walk.
        self.ident = ""

    def children(self, timeout_s: float) -> Sequence[AtspiNode]:
        from jeepney import DBusAddress, new_method_call

        end = time.monotonic() + timeout_s
        me = DBusAddress(self.path, bus_name=self.bus_name, interface=ACCESSIBLE)
        (reply,) = self._bus.calls([new_method_call(me, "GetChildren")], timeout_s)
        refs = [(n, p) for n, p in (reply.body[0] if reply else []) if p != NULL_PATH]
        return describe(self._bus, refs, max(0.0, end - time.monotonic()))


def describe(bus: _Bus, refs: Sequence[tuple[str, str]], timeout_s: float) -> list[AtspiNode]:
    """Role and name of every ``(bus name, path)`` in one pipelined batch."""
    from jeepney import DBusAddress, Properties, new_method_call

    if not refs:
        return []
    messages: list[Any] = []
    for bus_name, path in refs:
        address = DBusAddress(path, bus_name=bus_name, interface=ACCESSIBLE)
        messages += [new_method_call(address, "GetRole"), Properties(address).get("Name")]
    replies = bus.calls(messages, timeout_s)
    nodes: list[AtspiNode] = []
    for i, (bus_name, path) in enumerate(refs):
        role_reply, name_reply = replies[2 * i], replies[2 * i + 1]
        if role_reply is None:
            continue        # the element went away between the two calls
        name = name_reply.body[0][1] if name_reply is not None else ""
        nodes.append(AtspiNode(bus, bus_name, path, str(name or ""),
                               role_of(int(role_reply.body[0]))))
    return nodes


class AtspiBackend:
    name = "at-spi"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env) if env is not None else dict(os.environ)
        self._bus: _Bus | None = None

    def unavailable(self) -> str | None:
        # find_spec, not import: the idle tray must not pay for a library it uses only in
        # meetings (benchmarks/watch_idle.py holds its memory).
        import importlib.util

        if importlib.util.find_spec("jeepney") is None:
            return "the jeepney D-Bus library is not installed"
        return None

    def _connect(self, timeout_s: float) -> _Bus:
        if self._bus is not None:
            return self._bus
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        address = session_bus_address(self.env)
        if address is None:
            raise TreeUnavailable("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS "
                                  "is not set), so no accessibility bus")
        try:
            session = open_dbus_connection(address, auth_timeout=timeout_s)
        except (OSError, ValueError) as exc:
            raise TreeUnavailable(f"the D-Bus session bus cannot be reached ({exc})") from exc
        try:
            launcher = DBusAddress(A11Y_BUS_PATH, bus_name=A11Y_BUS, interface=A11Y_BUS)
            reply = session.send_and_get_reply(new_method_call(launcher, "GetAddress"),
                                               timeout=max(timeout_s, 1.0))
            a11y_address = str(reply.body[0]) if reply.body else ""
        except (OSError, TimeoutError) as exc:
            raise TreeUnavailable("the accessibility bus does not answer "
                                  f"({type(exc).__name__})") from exc
        except Exception as exc:
            raise TreeUnavailable("there is no accessibility bus (at-spi2-core is not "
                                  "installed or not running)") from exc
        finally:
            session.close()
        if not a11y_address:
            raise TreeUnavailable("there is no accessibility bus (at-spi2-core is not "
                                  "installed or not running)")
        try:
            self._bus = _Bus(open_dbus_connection(a11y_address, auth_timeout=timeout_s))
        except (OSError, ValueError) as exc:
            raise TreeUnavailable(f"the accessibility bus cannot be reached ({exc})") from exc
        return self._bus

    def windows(self, pids: frozenset[int], timeout_s: float) -> Sequence[AtspiNode]:
        try:
            return self._windows(pids, timeout_s)
        except (TimeoutError, OSError) as exc:
            self.close()    # a broken or stuck connection is opened again next time
            raise TreeUnavailable("the accessibility bus did not answer in time "
                                  f"({type(exc).__name__})") from exc

    def _windows(self, pids: frozenset[int], timeout_s: float) -> Sequence[AtspiNode]:
        from jeepney import DBusAddress, new_method_call

        end = time.monotonic() + timeout_s
        bus = self._connect(timeout_s)
        root = DBusAddress(ROOT_PATH, bus_name=REGISTRY, interface=ACCESSIBLE)
        (reply,) = bus.calls([new_method_call(root, "GetChildren")], timeout_s)
        apps = [(n, p) for n, p in (reply.body[0] if reply else []) if p != NULL_PATH]
        unknown = [n for n, _ in apps if n not in bus.pids]
        if unknown:
            daemon = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                                 interface="org.freedesktop.DBus")
            answers = bus.calls([new_method_call(daemon, "GetConnectionUnixProcessID", "s",
                                                 (n,)) for n in unknown],
                                max(0.0, end - time.monotonic()))
            for n, answer in zip(unknown, answers, strict=True):
                bus.pids[n] = int(answer.body[0]) if answer is not None else -1
        ours = [(n, p) for n, p in apps if bus.pids.get(n) in pids]
        if not ours:
            raise TreeUnavailable(
                "Teams is not on the accessibility bus (Chromium-based clients expose "
                "their window only while a screen reader is on)")
        windows: list[AtspiNode] = []
        for app in describe(bus, ours, max(0.0, end - time.monotonic())):
            windows += app.children(max(0.0, end - time.monotonic()))
        if not windows:
            raise TreeUnavailable("Teams has no window open (closed or minimised to the "
                                  "tray)")
        return windows

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
            self._bus = None
