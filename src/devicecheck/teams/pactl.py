"""Pure parsers for ``pactl`` output: audio capture streams and audio-server events.

Evidence for the shapes (fixtures in tests/fixtures/linux/pactl-*, made with the real
tools on Debian 12):
- ``pactl -f json list source-outputs`` (pactl 16.1, JSON since PulseAudio 16): a list of
  objects with ``index``, ``client`` (a string index, or null) and ``properties``, a flat
  string map. libpulse puts ``application.process.id``, ``application.process.binary`` and
  ``application.name`` into every stream it opens (seen on PulseAudio 16.1 and on
  pipewire-pulse 0.3.65, which adds ``client.api = "pipewire-pulse"``).
- ``application.process.binary`` is the basename of the running executable, so a program
  run through a symlink reports the target's name while ``application.name`` follows
  argv[0] (fixture: a ``pacat`` symlinked as ``chromium``).
- Streams of *native* PipeWire clients (not through libpulse) carry no process properties
  at all: those live on the client (``pactl -f json list clients``), whose
  ``pipewire.sec.pid`` is the peer's kernel-checked PID. For libpulse clients on
  pipewire-pulse that key is the pipewire-pulse daemon's own PID (fixture), so it is only
  used for non-pulse clients. Public report of the same split: omriharel/deej PR 164
  (2026, "only available on the associated PulseAudio client object").
- ``pactl subscribe`` prints ``Event 'new' on source-output #12`` lines (seen here; also
  published in shalva97/kde-configuration-files qdbus_events.md). The words are
  translatable, so it is run with ``LC_ALL=C``. Its ``-f json`` mode prints objects
  without separators in 16.1 (seen here), so the text form is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

PROCESS_ID = "application.process.id"
PROCESS_BINARY = "application.process.binary"
APP_NAME = "application.name"
CLIENT_API = "client.api"
SEC_PID = "pipewire.sec.pid"
PULSE_API = "pipewire-pulse"

SOURCE_OUTPUT = "source-output"

_EVENT = re.compile(r"^Event '(?P<event>[a-z]+)' on (?P<facility>[a-z-]+) #(?P<index>\d+)")


class PactlParseError(ValueError):
    """The output is not the shape pactl prints (an old pactl without ``-f json``...)."""


@dataclass(frozen=True)
class CaptureStream:
    """One audio capture stream (a PulseAudio "source output")."""

    index: int
    client: int | None
    pid: int | None
    binary: str = ""
    app_name: str = ""
    corked: bool | None = None


@dataclass(frozen=True)
class ServerEvent:
    event: str       # new | change | remove
    facility: str    # source-output, client, source, sink-input, server, ...
    index: int


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _pid(props: Mapping[str, Any]) -> int | None:
    pid = _int(props.get(PROCESS_ID))
    if pid is None and props.get(CLIENT_API) != PULSE_API:
        # Native PipeWire clients: the kernel-checked peer PID (see the module docstring).
        pid = _int(props.get(SEC_PID))
    return pid if pid else None


def _load_list(text: str) -> list[Mapping[str, Any]]:
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise PactlParseError(f"not JSON ({exc.msg})") from exc
    if not isinstance(data, list):
        raise PactlParseError("not a JSON list")
    return [item for item in data if isinstance(item, Mapping)]


def _props(item: Mapping[str, Any]) -> Mapping[str, Any]:
    props = item.get("properties")
    return props if isinstance(props, Mapping) else {}


def parse_source_outputs(text: str) -> list[CaptureStream]:
    """``pactl -f json list source-outputs`` -> the capture streams, in server order."""
    streams: list[CaptureStream] = []
    for item in _load_list(text):
        index = _int(item.get("index"))
        if index is None:
            continue
        props = _props(item)
        corked = item.get("corked")
        streams.append(CaptureStream(
            index=index, client=_int(item.get("client")), pid=_pid(props),
            binary=str(props.get(PROCESS_BINARY) or ""), app_name=str(props.get(APP_NAME) or ""),
            corked=corked if isinstance(corked, bool) else None))
    return streams


@dataclass(frozen=True)
class ClientInfo:
    index: int
    pid: int | None
    binary: str = ""
    app_name: str = ""


def parse_clients(text: str) -> dict[int, ClientInfo]:
    """``pactl -f json list clients`` -> index -> what the client says about its process."""
    out: dict[int, ClientInfo] = {}
    for item in _load_list(text):
        index = _int(item.get("index"))
        if index is None:
            continue
        props = _props(item)
        out[index] = ClientInfo(index, _pid(props), str(props.get(PROCESS_BINARY) or ""),
                                str(props.get(APP_NAME) or ""))
    return out


def needs_clients(streams: Iterable[CaptureStream]) -> bool:
    """Do some streams lack a process id that their client may know?"""
    return any(s.pid is None and s.client is not None for s in streams)


def with_clients(streams: Iterable[CaptureStream],
                 clients: Mapping[int, ClientInfo]) -> list[CaptureStream]:
    """Fill a stream's missing process facts from its client (native PipeWire streams)."""
    out: list[CaptureStream] = []
    for s in streams:
        c = clients.get(s.client) if s.client is not None else None
        if c is not None and s.pid is None:
            s = replace(s, pid=c.pid, binary=s.binary or c.binary,
                        app_name=s.app_name or c.app_name)
        out.append(s)
    return out


def parse_event(line: str) -> ServerEvent | None:
    """One ``pactl subscribe`` line (None: not an event line, e.g. "Got SIGINT")."""
    m = _EVENT.match(line.strip())
    if m is None:
        return None
    return ServerEvent(m["event"], m["facility"], int(m["index"]))


def parse_events(text: str) -> list[ServerEvent]:
    return [ev for ev in map(parse_event, text.splitlines()) if ev is not None]


def touches_capture(events: Iterable[ServerEvent]) -> bool:
    """Does any event concern a capture stream (the only ones this source re-lists for)?
    Our own ``pactl list`` calls show up as client events: ignoring them avoids a loop."""
    return any(ev.facility == SOURCE_OUTPUT for ev in events)
