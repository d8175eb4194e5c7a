"""Policy sources: built-in defaults, the machine TOML file, Windows registry policy and
macOS managed preferences. Each yields a ``Layer`` of validated values plus its errors;
a broken source never stops the others from applying."""

from __future__ import annotations

import os
import plistlib
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def unsafe_permissions(path: Path) -> str | None:
    """Why a non-root user could change this machine policy file, or None if only root can.

    A policy that an officer could edit could be weakened, so it must be owned by root and
    not group/world-writable, and so must the folder that holds it."""
    if os.name != "posix":
        return None
    for target in (path, path.parent):
        st = target.stat()
        if st.st_uid != 0:
            return f"{target} is owned by uid {st.st_uid}, not root"
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{target} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def file_layer(path: Path, *, machine: bool) -> Layer | None:
    """The TOML policy at ``path``; None when there is no such file (not an error)."""
    name = f"file:{path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Layer(name, errors=[PolicyError(name, f"cannot read the file: {exc.strerror}")])
    layer = Layer(name)
    if machine and (why := unsafe_permissions(path)):
        layer.errors.append(PolicyError(name, f"unsafe permissions: {why}; a user could weaken "
                                              "the policy"))
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
    """macOS configuration-profile payload: same nesting as the TOML file."""
    name = f"managed-prefs:{path}"
    try:
        with path.open("rb") as fh:
            data = plistlib.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, plistlib.InvalidFileException, ValueError) as exc:
        return Layer(name, errors=[PolicyError(name, f"cannot read the managed preferences: {exc}")])
    if not isinstance(data, dict):
        return Layer(name, errors=[PolicyError(name, "top level must be a dictionary")])
    # Profiles add their own bookkeeping keys; they are not policy.
    data = {k: v for k, v in data.items() if not k.startswith(("Payload", "PayloadUUID"))}
    values, errors = validate_tree(data, name)
    return Layer(name, values, errors)
