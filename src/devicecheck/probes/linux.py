"""Linux probes and their pure parsers.

Files are read under ``root`` (``/`` in production, a temporary folder in tests) and the
user's files under ``home``; commands go through the runner, which finds them in the
system folders only (never the officer's PATH: probes.runner), and which tests point at a
folder of small fake scripts (its ``system_dirs``). Nothing here needs root: where only root could tell (``nft``,
``ufw status``, ``sssd.conf``), the probe says so and the check reports ``unknown``.
"""

from __future__ import annotations

import configparser
import json
import re
import stat
from pathlib import Path
from typing import Any

from devicecheck.probes import ParseError
from devicecheck.probes.commands import Runner, run_parsed
from devicecheck.probes.runner import CommandResult, Outcome
from devicecheck.safefile import read_regular

COMMAND_TIMEOUT_S = 3.0
INTUNE_BINARIES = ("opt/microsoft/intune/bin/intune-portal", "usr/bin/intune-portal")
IDENTITY_BROKER = ("opt/microsoft/identity-broker", "usr/bin/microsoft-identity-broker")
_NEEDS_ROOT = re.compile(r"operation not permitted|permission denied|need to be root|"
                         r"must be root|are not root", re.IGNORECASE)


def parse_os_release(text: str) -> dict[str, str]:
    """``/etc/os-release`` as a dict (shell-style KEY=value, values unquoted)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def read_os_release(root: Path = Path("/")) -> dict[str, str]:
    for rel in ("etc/os-release", "usr/lib/os-release"):
        try:
            return parse_os_release((root / rel).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return {}


# ---------------------------------------------------------------- parsers (pure)

def parse_realm_list(text: str) -> list[dict[str, str]]:
    """``realm list`` -> one dict per realm: ``name`` plus the indented keys as printed.
    Empty output means no realm is configured."""
    realms: list[dict[str, str]] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw[0] not in " \t":
            name = raw.strip()
            if ":" in name or any(c.isspace() for c in name):
                raise ParseError(f"not a realm name: {name[:60]!r}")
            realms.append({"name": name})
            continue
        key, sep, value = raw.strip().partition(":")
        if not realms or not sep or not key.strip():
            raise ParseError(f"unexpected line in realm list: {raw.strip()[:60]!r}")
        realms[-1][key.strip()] = value.strip()
    return realms


def _mounts(node: dict[str, Any]) -> list[str]:
    """Mount points of an lsblk node: the old ``mountpoint`` or the newer ``mountpoints``."""
    points: list[str] = []
    single = node.get("mountpoint")
    if isinstance(single, str):
        points.append(single)
    many = node.get("mountpoints")
    if isinstance(many, list):
        points += [p for p in many if isinstance(p, str)]
    return points


def _path_to_root(nodes: Any, trail: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    if not isinstance(nodes, list):
        return None
    for node in nodes:
        if not isinstance(node, dict):
            raise ParseError("an lsblk device is not an object")
        here = [*trail, node]
        if "/" in _mounts(node):
            return here
        found = _path_to_root(node.get("children"), here)
        if found:
            return found
    return None


def parse_lsblk_json(text: str) -> dict[str, Any]:
    """``lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT[S]`` -> whether ``/`` sits on a ``crypt``
    device, and the chain of device names from the ``/`` device up to the disk."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"lsblk output is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("blockdevices"), list):
        raise ParseError("lsblk JSON has no 'blockdevices' list")
    try:
        path = _path_to_root(data["blockdevices"], [])
    except RecursionError as exc:
        raise ParseError("lsblk tree is too deep") from exc
    if not path:
        raise ParseError("no block device is mounted at /")
    chain = list(reversed(path))
    return {"root_encrypted": any(n.get("type") == "crypt" for n in chain),
            "chain": [str(n.get("name", "?")) for n in chain],
            "types": [str(n.get("type", "?")) for n in chain],
            "luks": any(n.get("fstype") == "crypto_LUKS" for n in chain)}


def parse_nft_ruleset(text: str) -> dict[str, Any]:
    """``nft list ruleset`` -> table count and whether an input-hook chain filters traffic
    (policy drop/reject, or a drop/reject rule). Docker-only NAT tables do not count."""
    tables = len(re.findall(r"^\s*table\s+\S+\s+\S+", text, re.MULTILINE))
    filtering = False
    for chain in re.finditer(r"chain\s+\S+\s*\{(.*?)\n\s*\}", text, re.DOTALL):
        body = chain.group(1)
        if re.search(r"hook\s+input\b", body) and re.search(r"\b(drop|reject)\b", body):
            filtering = True
    return {"tables": tables, "input_filtering": filtering}


def parse_gsettings_value(text: str) -> bool | int | str:
    """A GVariant as printed by ``gsettings get``: ``true``, ``uint32 300``, ``'text'``."""
    value = text.strip()
    if value in ("true", "false"):
        return value == "true"
    m = re.fullmatch(r"(?:u?int(?:16|32|64)\s+)?(-?\d+)", value)
    if m:
        return int(m.group(1))
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    raise ParseError(f"not a gsettings value: {value[:40]!r}")


def parse_kscreenlockerrc(text: str) -> dict[str, Any]:
    """KDE ``kscreenlockerrc`` ``[Daemon]`` keys (absent keys are KDE's defaults)."""
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keep KDE's key case
    try:
        cp.read_string(text)
    except configparser.Error as exc:
        raise ParseError(f"kscreenlockerrc unreadable: {exc}") from exc
    out: dict[str, Any] = {}
    if cp.has_section("Daemon"):
        sec = cp["Daemon"]
        if "Autolock" in sec:
            out["autolock"] = sec["Autolock"].strip().lower() == "true"
        for key, name in (("Timeout", "timeout_min"), ("LockGrace", "lock_grace_s")):
            if key in sec and sec[key].strip().isdigit():
                out[name] = int(sec[key].strip())
    return out


def parse_sssd_domains(text: str) -> list[str]:
    """Domains configured in ``sssd.conf``: ``[sssd] domains =`` and ``[domain/…]``."""
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        cp.read_string(text)
    except configparser.Error as exc:
        raise ParseError(f"sssd.conf unreadable: {exc}") from exc
    names: dict[str, None] = {}
    if cp.has_option("sssd", "domains"):
        for d in cp.get("sssd", "domains").split(","):
            if d.strip():
                names[d.strip()] = None
    for section in cp.sections():
        if section.startswith("domain/") and section[7:].strip():
            names[section[7:].strip()] = None
    return list(names)


# ---------------------------------------------------------------- probes

def _needs_root(text: str) -> bool:
    return bool(_NEEDS_ROOT.search(text))


def realm_list(runner: Runner) -> dict[str, Any]:
    got = run_parsed(runner, ["realm", "list"], parse_realm_list, timeout=COMMAND_TIMEOUT_S)
    if got.error is None:
        return got.fact("realms")
    return {**got.fact("realms"), "installed": got.outcome is not Outcome.NOT_FOUND}


def sssd_domains(root: Path) -> dict[str, Any]:
    path = root / "etc/sssd/sssd.conf"
    if not path.exists():
        return {"present": False}
    try:
        return {"present": True, "domains": parse_sssd_domains(
            path.read_text(encoding="utf-8", errors="replace"))}
    except PermissionError:
        return {"present": True, "error": "sssd.conf is readable by root only"}
    except (OSError, ParseError) as exc:
        return {"present": True, "error": f"sssd.conf unreadable: {exc}"}


def intune_evidence(root: Path, home: Path) -> dict[str, Any]:
    """Intune for Linux traces. Registration details are undocumented, so this is
    evidence only: the app, the identity broker and the user's registration folder."""
    registered = home / ".config/intune"
    try:
        has_state = registered.is_dir() and any(registered.iterdir())
    except OSError:
        has_state = False
    return {"portal": any((root / p).exists() for p in INTUNE_BINARIES),
            "broker": any((root / p).exists() for p in IDENTITY_BROKER),
            "registration": has_state}


#: Who must own the machine marker: root. A module constant so tests running as an
#: ordinary user can exercise the accepting path with files they own.
MARKER_OWNER_UID = 0


def machine_marker(root: Path, marker: str, *, owner_uid: int | None = None) -> dict[str, Any]:
    """The council's own enrolment marker: a regular file (not a symlink, which anyone
    could point at a root file) owned by root and writable by nobody else."""
    if not marker:
        return {"configured": False}
    if not marker.startswith("/"):
        return {"configured": True, "path": marker, "valid": False,
                "reason": "the policy's marker path is not absolute"}
    out: dict[str, Any] = {"configured": True, "path": marker}
    try:
        st = (root / marker.lstrip("/")).lstat()
    except FileNotFoundError:
        return {**out, "valid": False, "reason": "not present"}
    except OSError as exc:
        return {**out, "valid": False, "reason": f"unreadable: {exc.strerror}"}
    if not stat.S_ISREG(st.st_mode):
        return {**out, "valid": False, "reason": "not a regular file"}
    if st.st_uid != (MARKER_OWNER_UID if owner_uid is None else owner_uid):
        return {**out, "valid": False, "reason": "not owned by root"}
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return {**out, "valid": False, "reason": "writable by other users"}
    return {**out, "valid": True}


def root_device(runner: Runner) -> dict[str, Any]:
    """LUKS under ``/``. ``MOUNTPOINTS`` (util-linux 2.37+) lists every mount of a btrfs
    volume; older lsblk rejects it, so we retry with ``MOUNTPOINT``."""
    got = run_parsed(runner, ["lsblk", "-J", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINTS"],
                     parse_lsblk_json, timeout=COMMAND_TIMEOUT_S)
    if got.outcome is Outcome.FAILED:
        got = run_parsed(runner, ["lsblk", "-J", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINT"],
                         parse_lsblk_json, timeout=COMMAND_TIMEOUT_S)
    return got.fact("lsblk")


def firewall(runner: Runner, root: Path) -> dict[str, Any]:
    """nftables, ufw and firewalld, each as ``active`` / ``inactive`` / ``absent`` /
    ``needs-root`` / ``error`` with a reason."""
    out: dict[str, Any] = {}
    res = runner.run(["nft", "list", "ruleset"], timeout=COMMAND_TIMEOUT_S)
    if res.ok:
        rules = parse_nft_ruleset(res.stdout)
        out["nftables"] = {"state": "active" if rules["input_filtering"] else "inactive", **rules}
    else:
        out["nftables"] = _failed(res.outcome, res.stdout + res.stderr, res.describe())
    conf = root / "etc/ufw/ufw.conf"
    res = runner.run(["ufw", "status"], timeout=COMMAND_TIMEOUT_S)
    if res.ok and re.search(r"^Status:\s*active", res.stdout, re.MULTILINE | re.IGNORECASE):
        out["ufw"] = {"state": "active"}
    elif res.ok and re.search(r"^Status:\s*inactive", res.stdout, re.MULTILINE | re.IGNORECASE):
        out["ufw"] = {"state": "inactive"}
    elif res.outcome is Outcome.NOT_FOUND and not conf.exists():
        out["ufw"] = {"state": "absent", "reason": res.describe()}
    else:
        # Unprivileged `ufw status` refuses; ufw.conf is world-readable and `ufw enable`
        # / `ufw disable` rewrite its ENABLED line, so it says what ufw does at boot.
        try:
            enabled = re.search(r"^\s*ENABLED\s*=\s*\"?(yes|no)", conf.read_text(errors="replace"),
                                re.MULTILINE | re.IGNORECASE)
        except OSError:
            enabled = None
        if enabled:
            out["ufw"] = {"state": "active" if enabled.group(1).lower() == "yes" else "inactive",
                          "source": "ufw.conf"}
        else:
            out["ufw"] = _failed(res.outcome, res.stdout + res.stderr, res.describe())
    out["firewalld"] = firewalld_state(runner.run(["firewall-cmd", "--state"],
                                                  timeout=COMMAND_TIMEOUT_S))
    return out


#: firewall-cmd's NOT_RUNNING exit code; "running" exits 0 (firewalld's firewall-cmd man
#: page, "Exit Codes"; yast2 accepts exactly [0, 252] from ``firewall-cmd --state``).
FIREWALLD_NOT_RUNNING = 252


def firewalld_state(res: CommandResult) -> dict[str, Any]:
    """``firewall-cmd --state``: "running" on stdout with exit 0; a stopped daemon prints
    "not running" on *stderr* with exit 252, which is an answer (off), not an error. A
    polkit refusal ("Authorization failed.") is not an answer: mondoohq/mql#10416 found a
    running firewalld reported as stopped that way."""
    said = f"{res.stdout}\n{res.stderr}".strip().lower()
    if res.ok and res.stdout.strip().lower() == "running":
        return {"state": "active"}
    if res.returncode == FIREWALLD_NOT_RUNNING or (
            res.outcome is Outcome.FAILED and said.splitlines()[-1:] == ["not running"]):
        return {"state": "inactive"}
    if "authorization failed" in said:
        return {"state": "needs-root", "reason": "firewall-cmd needs root to answer "
                "(polkit refused)"}
    return _failed(res.outcome, res.stdout + res.stderr, res.describe())


def _failed(outcome: Outcome, output: str, reason: str) -> dict[str, Any]:
    if outcome is Outcome.NOT_FOUND:
        return {"state": "absent", "reason": reason}
    if _needs_root(output):
        return {"state": "needs-root", "reason": f"{reason.split(' ')[0]} needs root to answer"}
    return {"state": "error", "reason": reason}


GNOME_DESKTOPS = ("GNOME", "UBUNTU", "UNITY", "POP", "BUDGIE")


def session_desktop(env: dict[str, str], running: list[str]) -> str | None:
    """The desktop the officer uses: named by the session's environment, or, for a run
    outside the session (ssh, a timer), inferred from its shell process."""
    named = env.get("XDG_CURRENT_DESKTOP") or env.get("XDG_SESSION_DESKTOP") or \
        env.get("DESKTOP_SESSION")
    if named:
        return named
    if "gnome-shell" in running:
        return "GNOME"
    if {"plasmashell", "ksmserver", "kwin_wayland", "kwin_x11"} & set(running):
        return "KDE"
    return None


def desktop_family(desktop: str | None) -> str | None:
    upper = (desktop or "").upper()
    if "KDE" in upper or "PLASMA" in upper:
        return "kde"
    if any(name in upper for name in GNOME_DESKTOPS):
        return "gnome"
    return None


GNOME_KEYS = (("org.gnome.desktop.screensaver", "lock-enabled"),
              ("org.gnome.desktop.screensaver", "lock-delay"),
              ("org.gnome.desktop.session", "idle-delay"))


def gsettings_argv(schema: str, key: str,
                   as_user: tuple[str, Path, int | None] | None = None) -> list[str]:
    """``gsettings get`` for us, or, run as root, as the seated user: ``runuser`` (an
    argument list, no shell) with their HOME and session bus, so dconf reads *their*
    database, not root's."""
    argv = ["gsettings", "get", schema, key]
    if as_user is None:
        return argv
    name, home, uid = as_user
    env = ["-u", "XDG_CONFIG_HOME", f"HOME={home}"]  # env's options come before assignments
    if uid is not None:
        env += [f"XDG_RUNTIME_DIR=/run/user/{uid}",
                f"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{uid}/bus"]
    return ["runuser", "-u", name, "--", "env", *env, *argv]


def gnome_screen_lock(runner: Runner,
                      as_user: tuple[str, Path, int | None] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for schema, key in GNOME_KEYS:
        got = run_parsed(runner, gsettings_argv(schema, key, as_user), parse_gsettings_value,
                         timeout=COMMAND_TIMEOUT_S, name="gsettings")
        if got.error is not None:
            return {"error": got.error}
        out[key] = got.value
    return out


def kde_screen_lock(root: Path, home: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """System defaults in ``/etc/xdg`` first, then the user's file on top."""
    config_home = Path((env or {}).get("XDG_CONFIG_HOME") or home / ".config")
    merged: dict[str, Any] = {}
    files = []
    for path in (root / "etc/xdg/kscreenlockerrc", config_home / "kscreenlockerrc"):
        try:
            # The officer's own file: read non-blocking, regular files only (a FIFO
            # planted there must not hold the check until its timeout; issue 29 #5).
            text = read_regular(path, 1 << 20, follow_links=True).decode("utf-8", "replace")
            merged.update(parse_kscreenlockerrc(text))
            files.append("user" if path.parent == config_home else "system")
        except (OSError, ParseError):
            continue
    return {"files": files, **merged} if files else {}

