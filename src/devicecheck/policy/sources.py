"""Policy sources: built-in defaults, the machine TOML file, Windows registry policy and
macOS managed preferences. Each yields a ``Layer`` of validated values plus its errors;
a broken source never stops the others from applying."""

from __future__ import annotations

import errno
import os
import plistlib
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devicecheck import paths
from devicecheck.paths import REGISTRY_POLICY_KEY
from devicecheck.policy.schema import PolicyError, validate_tree
from devicecheck.probes.registry import RegistryReader


@dataclass
class Layer:
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[PolicyError] = field(default_factory=list)


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]+"|'[^']+'|[A-Za-z0-9_-]+)\s*=""")


def toml_key_lines(text: str) -> dict[str, int]:
    """Map ``section.key`` (and ``section``) to the 1-based line that defines it, so an
    error about a well-formed but wrong value can still point IT at the line."""
    lines: dict[str, int] = {}
    table = ""
    for no, line in enumerate(text.splitlines(), 1):
        if m := _TABLE.match(line):
            table = ".".join(p.strip().strip("\"'") for p in m.group(1).split("."))
            lines.setdefault(table, no)
        elif m := _KEY.match(line):
            key = m.group(1).strip("\"'")
            lines.setdefault(f"{table}.{key}" if table else key, no)
    return lines


#: A policy is a few KB; a bigger file is a wrong or hostile one (1.5 M unknown keys took
#: 15 s and 870 MB before this cap, issue 17).
MAX_POLICY_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def unsafe_permissions(path: Path, st: os.stat_result | None = None) -> str | None:
    """Why someone other than root/administrators could change this policy file, or None.

    A policy that an officer could edit could be weakened, so it must be owned by root and
    not group/world-writable, and so must the folder that holds it (POSIX); on Windows no
    one but administrators, SYSTEM and TrustedInstaller may write either (``winacl``).
    ``st`` is the already-open file's ``fstat``, so the file judged is the file read."""
    if os.name != "posix":
        from devicecheck.policy.winacl import windows_acl_problem

        return windows_acl_problem(path)
    for target, info in ((path, st), (path.parent, None)):
        info = info or target.stat()
        if info.st_uid not in paths.TRUSTED_OWNER_UIDS:
            return f"{target} is owned by uid {info.st_uid}, not root"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{target} is writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def read_trusted(path: Path, *, limit: int) -> tuple[bytes, str | None]:
    """``path``'s bytes (at most ``limit`` + 1) and why they cannot be trusted as IT's
    (None: owned by root/administrators, written by no one else). Raises OSError."""
    from devicecheck.safefile import open_regular

    try:
        # Non-blocking, regular files only (a FIFO as ``--policy`` once hung the CLI).
        fd = open_regular(path, os.O_RDONLY)
    except OSError as exc:
        if exc.errno == errno.ELOOP:   # O_NOFOLLOW met a link: IT installs a plain file
            return b"", f"{path} is a symbolic link"
        raise
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read(limit + 1)
    try:
        why = unsafe_permissions(path, st)
    except OSError as exc:
        why = f"the permissions of {path} cannot be read ({exc.strerror or exc})"
    return data, why


def _read_layer(path: Path, name: str, what: str) -> tuple[bytes, str | None] | Layer | None:
    """A policy source's bytes and why they may not be trusted; None when there is no
    such file (not an error); a Layer carrying the error when it cannot be read."""
    try:
        return read_trusted(path, limit=MAX_POLICY_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Layer(name, errors=[PolicyError(name, f"cannot read {what}: "
                                                     f"{exc.strerror or exc}")])


def file_layer(path: Path, *, machine: bool) -> Layer | None:
    """The TOML policy at ``path``; None when there is no such file (not an error).

    ``machine``: the file must be IT's (``unsafe_permissions``); one that is not is
    IGNORED, none of its values applied, and the error says why (policy-health fails)."""
    name = f"file:{path}"
    read = _read_layer(path, name, "the file")
    if not isinstance(read, tuple):
        return read
    raw, why = read
    if machine and why:
        return Layer(name, errors=[PolicyError(
            name, f"ignored, not applied: {why}; a user could weaken the policy, so only a "
                  "file owned by root/administrators that no one else can write is used")])
    return parse_toml_layer(raw, name)


def parse_toml_layer(raw: bytes, name: str) -> Layer:
    """Validated values and errors from a TOML policy's bytes. Never raises."""
    layer = Layer(name)
    if len(raw) > MAX_POLICY_BYTES:
        layer.errors.append(PolicyError(name, f"the file is larger than "
                                              f"{MAX_POLICY_BYTES // 1024} KiB; not a policy"))
        return layer
    if raw.startswith(_BOM):
        # Refused rather than skipped: TOML 1.0 does not allow a BOM and IT's other tools
        # (the build's validator, deb conffile diffs) would read the file differently.
        layer.errors.append(PolicyError(name, "the file starts with a UTF-8 byte order mark "
                                              "(BOM); save it as UTF-8 without BOM", line=1))
        return layer
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        layer.errors.append(PolicyError(name, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return layer
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        if line is None and (m := re.search(r"line (\d+)", str(exc))):
            line = int(m.group(1))
        msg = getattr(exc, "msg", str(exc))
        layer.errors.append(PolicyError(name, f"malformed TOML: {msg}", line=line))
        return layer
    except RecursionError:
        # tomllib recurses per nested array/inline table: 500+ levels exhaust the stack.
        layer.errors.append(PolicyError(name, "malformed TOML: nested too deeply"))
        return layer
    except ValueError as exc:   # e.g. an integer too long to convert (sys.int_info limit)
        layer.errors.append(PolicyError(name, f"malformed TOML: {exc}"))
        return layer
    values, errors = validate_tree(data, name, lines=toml_key_lines(text))
    layer.values.update(values)
    layer.errors.extend(errors)
    return layer


def registry_layer(reader: RegistryReader, root: str = "HKLM\\" + REGISTRY_POLICY_KEY) -> Layer | None:
    """Group Policy / MSI values: one subkey per section, value names as in the TOML file."""
    name = f"registry:{root}"
    top = reader.values(root)
    subkeys = reader.subkeys(root)
    if top is None and not subkeys:
        return None
    data: dict[str, Any] = {}
    layer = Layer(name)
    for value_name in (top or {}):
        layer.errors.append(PolicyError(name, "values belong in a section subkey", value_name))
    for sub in subkeys:
        data[sub] = reader.values(f"{root}\\{sub}") or {}
    values, errors = validate_tree(data, name, registry=True)
    layer.values.update(values)
    layer.errors.extend(errors)
    return layer


def managed_prefs_layer(path: Path) -> Layer | None:
    """macOS configuration-profile payload: same nesting as the TOML file. Like the
    machine file it must be root's (``/Library/Managed Preferences`` is written by the
    MDM agent as root); anything else is ignored."""
    name = f"managed-prefs:{path}"
    read = _read_layer(path, name, "the managed preferences")
    if not isinstance(read, tuple):
        return read
    raw, why = read
    if why:
        return Layer(name, errors=[PolicyError(name, f"ignored, not applied: {why}")])
    if len(raw) > MAX_POLICY_BYTES:
        return Layer(name, errors=[PolicyError(name, f"the file is larger than "
                                                     f"{MAX_POLICY_BYTES // 1024} KiB")])
    try:
        data = plistlib.loads(raw)
    except (plistlib.InvalidFileException, ValueError, RecursionError, OverflowError,
            IndexError, KeyError, TypeError) as exc:
        # plistlib's binary reader fails with several exception types on hostile input.
        return Layer(name, errors=[PolicyError(name, "cannot read the managed preferences: "
                                                     f"{type(exc).__name__}: {exc}"[:300])])
    if not isinstance(data, dict):
        return Layer(name, errors=[PolicyError(name, "top level must be a dictionary")])
    # Profiles add their own bookkeeping keys; they are not policy.
    data = {k: v for k, v in data.items() if not str(k).startswith("Payload")}
    values, errors = validate_tree(data, name)
    return Layer(name, values, errors)
