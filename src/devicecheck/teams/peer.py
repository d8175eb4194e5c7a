"""Is the listener on the Teams API port really the officer's Teams? (issue 17, item 3)

Anything can listen on 127.0.0.1:8124 while Teams is closed, and the pairing token goes in
the connection URL, so before connecting the client asks: does one of the officer's own
catalogued Teams processes (same user, and on Windows the same session: ``own_user``)
hold a listening TCP socket on that port? Asking each such process for its own sockets
(psutil ``Process.net_connections``) needs no privilege, unlike the system-wide
``psutil.net_connections``, which raises AccessDenied on macOS unless run as root (psutil
docs, "net_connections"). Anything unreadable is "not verified": never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import psutil

from devicecheck.clients import API_CLIENTS, process_names
from devicecheck.osinfo import OsName, current_os
from devicecheck.probes.processes import ProcInfo, find_processes

#: ``API_CLIENTS``: the clients whose entry says they serve the third-party app API (new
#: and classic Teams; ``devicecheck/clients.py``).

#: ``(host, port) -> None`` when the listener is the officer's Teams, else why not.
PeerCheck = Callable[[str, int], "str | None"]


def _listens(pid: int, port: int) -> bool:
    proc = psutil.Process(pid)
    conns = proc.net_connections(kind="tcp") if hasattr(proc, "net_connections") \
        else proc.connections(kind="tcp")
    return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
               for c in conns)


def teams_listener_problem(host: str, port: int, *, os_name: OsName | None = None,
                           find: Callable[..., list[ProcInfo]] = find_processes,
                           listens: Callable[[int, int], bool] = _listens) -> str | None:
    """None when one of the officer's Teams processes listens on ``port``; else why not."""
    os_name = os_name or current_os()
    names: set[str] = set()
    for client in API_CLIENTS:
        names |= process_names(client, os_name)
    if not names:
        return "no Teams client that serves the API is catalogued for this system"
    try:
        # By the file each runs, never argv[0]: the token goes to what this finds.
        procs: Iterable[ProcInfo] = find(names, os_name=os_name, own_user=True,
                                         by_executable=True)
    except (OSError, psutil.Error) as exc:
        return f"the running programs could not be read ({type(exc).__name__})"
    unreadable = 0
    for info in procs:
        try:
            if listens(info.pid, port):
                return None
        except (OSError, psutil.Error):
            unreadable += 1
    if unreadable:
        return (f"the sockets of {unreadable} Teams process(es) could not be read, so the "
                f"listener on port {port} is not known to be Teams")
    return f"the program listening on port {port} is not the officer's Teams"
