"""Plan a clean: which catalogued folders exist, what in them would go, how much. Deletes
nothing.

Roots come from the OS's own user folders read from ``env``/``home`` (injectable, so
tests point them at a temp dir). A root that is itself a link, is not a folder, is a mount
point, or resolves outside the user's profile is refused here and never touched later.
Every target records the (st_dev, st_ino) chain from its root down, taken with ``lstat``;
the deleter re-opens that chain with O_NOFOLLOW and refuses anything that changed since.

A link found where data should be (a profile folder such as ``Partitions`` or
``Partitions/teams-4-linux``, a folder a pattern steps through such as ``Network``, or a
catalogued target such as ``IndexedDB``) is never followed *and never silently skipped*:
the data it points to is still on the laptop, so it is listed in ``RootPlan.links`` and
``clean`` reports it as a failure (exit 1) and ``meeting-data`` warns. It is not removed
either: removing the link would leave the data behind where no check would see it again.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devicecheck.cleaner.catalogue import CLIENTS, RootSpec, categories
from devicecheck.cleaner.mounts import MountKey, mount_key_at
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import Policy

Ident = tuple[int, int, int]  # (st_dev, st_ino, file type): a freed inode is soon reused


def ident_of(st: os.stat_result) -> Ident:
    return st.st_dev, st.st_ino, stat.S_IFMT(st.st_mode)
#: Given process names, return those running (injectable so plans are testable offline).
ProcessFinder = Callable[[frozenset[str], OsName], set[str]]

DELETE, KEEP, REPORT = "delete", "keep", "report"


def display(name: str) -> str:
    """A name safe to print: undecodable bytes and control characters (newlines!) escaped.
    Here, not in delete.py, so that the plan and the deleter do not import each other."""
    text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
LINK_REASON = "is a link: not followed (the data it points to is not cleaned)"


@dataclass
class Budget:
    """Bounds a measuring walk: the report check must stay cheap on a huge cache. When a
    bound is hit, counts are lower bounds and ``Target.complete`` is False."""

    max_entries: int | None = None
    seconds: float | None = None
    seen: int = 0
    _deadline: float | None = field(default=None, repr=False)

    def start(self) -> None:
        self._deadline = time.monotonic() + self.seconds if self.seconds is not None else None

    def spent(self) -> bool:
        if self.max_entries is not None and self.seen >= self.max_entries:
            return True
        return self._deadline is not None and time.monotonic() >= self._deadline


@dataclass
class Target:
    path: Path
    rel: tuple[str, ...]          # components below the root
    chain: tuple[Ident, ...]      # lstat identity of each component in ``rel``
    kind: str                     # "dir", "file" or "link" (a link is removed, never followed)
    category: str                 # catalogue category, or "keep"
    action: str                   # delete | keep | report
    files: int = 0
    bytes: int = 0
    links: int = 0
    oldest: float | None = None   # st_mtime range seen, for "how old"
    newest: float | None = None
    complete: bool = True         # False when a Budget stopped the count

    def to_dict(self) -> dict[str, Any]:
        return {"path": os.fsdecode(self.path), "files": self.files, "bytes": self.bytes,
                "action": self.action, "category": self.category, "links": self.links,
                "complete": self.complete}


@dataclass
class RootPlan:
    """One client's data root (a client may have several: native, snap, flatpak…)."""

    client_id: str
    label: str
    path: Path
    ident: Ident | None
    report_only: bool
    running: bool = False
    refused: str | None = None    # why this root is not touched at all
    targets: list[Target] = field(default_factory=list)
    #: Links where data should be (relative parts): reported, never followed nor removed.
    links: list[tuple[str, ...]] = field(default_factory=list)
    mount: MountKey | None = None  # the root's mount: measuring never leaves it

    @property
    def deletable(self) -> list[Target]:
        return [t for t in self.targets if t.action == DELETE]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.client_id, "root": os.fsdecode(self.path), "running": self.running,
                "label": self.label, "refused": self.refused,
                "targets": [t.to_dict() for t in self.targets],
                "links": [self.link_path(rel) for rel in self.links]}

    def link_path(self, rel: tuple[str, ...]) -> str:

        return display(os.fsdecode(Path(self.path, *rel)))

    def failures(self) -> list[dict[str, Any]]:
        """Why parts of this root cannot be cleaned: the root refused, or links found."""
        if self.refused:
            return [{"client": self.client_id, "path": os.fsdecode(self.path),
                     "reason": self.refused}]
        return [{"client": self.client_id, "path": self.link_path(rel), "reason": LINK_REASON}
                for rel in self.links if not self.report_only]


@dataclass
class Plan:
    os_name: OsName
    home: Path
    clients: list[RootPlan] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not any(r.deletable for r in self.clients if not r.refused)

    def running_clients(self) -> list[str]:
        return sorted({r.client_id for r in self.clients if r.running and r.deletable})

    def to_dict(self) -> dict[str, Any]:
        return {"clients": [r.to_dict() for r in self.clients], "removed_files": 0,
                "removed_bytes": 0,
                "failures": [f for r in self.clients for f in r.failures()]}


def default_processes(names: frozenset[str], os_name: OsName) -> set[str]:
    """The catalogued names running *as this user*: another local user's program named
    ``teams-for-linux`` must not make the officer's clean refuse (issue 17 #9), and it
    cannot hold the officer's own data folder open anyway."""
    from devicecheck.probes.processes import find_processes

    return {p.name for p in find_processes(names, os_name=os_name, own_user=True)}


def resolve_base(base: str, env: Mapping[str, str], home: Path) -> Path:
    """The OS's own user folder named ``base``, from the environment as the OS sets it."""
    def _env(name: str, fallback: Path) -> Path:
        value = env.get(name, "")
        return Path(value) if value and os.path.isabs(value) else fallback

    if base == "home":
        return home
    if base == "appdata":
        return _env("APPDATA", home / "AppData" / "Roaming")
    if base == "localappdata":
        return _env("LOCALAPPDATA", home / "AppData" / "Local")
    if base == "xdg_config":
        return _env("XDG_CONFIG_HOME", home / ".config")
    raise ValueError(f"unknown base folder {base!r}")


def default_home(os_name: OsName, env: Mapping[str, str]) -> Path:
    key = "USERPROFILE" if os_name == "windows" else "HOME"
    value = env.get(key, "")
    return Path(value) if value and os.path.isabs(value) else Path.home()


def _inside(path: str, parent: str) -> bool:
    try:
        return os.path.commonpath([path, parent]) == parent
    except ValueError:  # different drives on Windows
        return False


def check_root(path: Path, home: Path) -> tuple[Ident | None, str | None]:
    """(identity, refusal reason); (None, None) when the root does not exist. Never raises:
    the folder may be swapped while it is checked (``realpath``'s ``readlink`` then fails
    with EINVAL on what is no longer a link), and that is a refusal, not a traceback."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except OSError as exc:
        return None, f"cannot read the data folder: {exc.strerror}"
    if stat.S_ISLNK(st.st_mode) or _is_reparse(st):
        return None, "the data folder is a link; refused (it may point anywhere)"
    if not stat.S_ISDIR(st.st_mode):
        return None, "the data folder is not a folder; refused"
    try:
        real, real_home = os.path.realpath(path), os.path.realpath(home)
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        return None, f"the data folder changed while it was checked ({why}); refused"
    if not _inside(real, real_home):
        return None, "the data folder resolves outside the user's profile; refused"
    parent = mount_key_at(path.parent)
    here = mount_key_at(path)
    if parent is not None and here is not None and here != parent:
        return None, "another file system is mounted on the data folder; refused"
    return ident_of(st), None


def _is_link(st: os.stat_result) -> bool:
    return stat.S_ISLNK(st.st_mode) or _is_reparse(st)


def _is_reparse(st: os.stat_result) -> bool:
    # Windows junctions and mount points are reparse points that lstat may not call links.
    return bool(getattr(st, "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_REPARSE_POINT)


def _real_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False) and not \
            _is_reparse(entry.stat(follow_symlinks=False))
    except OSError:
        return False


def _expand(base: str, pattern: str, links: list[tuple[str, ...]] | None = None,
            ) -> list[tuple[tuple[str, ...], tuple[Ident, ...], os.DirEntry[str]]]:
    """Entries under ``base`` matching ``pattern`` (``/``-separated); intermediate parts
    must be real folders, never links: a link there is added to ``links`` (never
    followed). Returns (rel parts, identity chain, last entry)."""
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    found: list[tuple[tuple[str, ...], tuple[Ident, ...], os.DirEntry[str]]] = []

    def walk(path: str, rel: tuple[str, ...], chain: tuple[Ident, ...], i: int) -> None:
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            if not fnmatch.fnmatchcase(e.name, parts[i]):
                continue
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            ident = ident_of(st)
            if i == len(parts) - 1:
                found.append(((*rel, e.name), (*chain, ident), e))
            elif _real_dir(e):
                walk(e.path, (*rel, e.name), (*chain, ident), i + 1)
            elif links is not None and _is_link(st):
                links.append((*rel, e.name))

    if parts:
        walk(base, (), (), 0)
    return found


def _profiles(root: Path, spec: RootSpec, links: list[tuple[str, ...]],
              ) -> list[tuple[tuple[str, ...], tuple[Ident, ...]]]:
    """Profile folders under ``root``; a profile (or a folder on the way) that is a link
    goes to ``links``."""
    out: list[tuple[tuple[str, ...], tuple[Ident, ...]]] = []
    for glob in spec.profiles:
        if glob in (".", ""):
            out.append(((), ()))
            continue
        for rel, chain, e in _expand(os.fspath(root), glob, links):
            if _real_dir(e):
                out.append((rel, chain))
            elif _entry_is_link(e):
                links.append(rel)
    return out


def _entry_is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink() or _is_reparse(entry.stat(follow_symlinks=False))
    except OSError:
        return False


def measure(target: Target, budget: Budget | None, mount: MountKey | None = None) -> None:
    """Count files and bytes below ``target`` without following links (path-based: it only
    reads). Unreadable folders are skipped; a spent budget marks the count incomplete.
    With ``mount`` (the root's), a folder on another mount (a bind mount of an outside
    folder) is not counted: the deleter will not enter it either."""
    if target.kind != "dir":
        try:
            st = os.lstat(target.path)
        except OSError:
            return
        if target.kind == "link":
            target.links = 1
        else:
            target.files, target.bytes = 1, st.st_size
        target.oldest = target.newest = st.st_mtime
        return
    stack = [os.fspath(target.path)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    if budget is not None:
                        budget.seen += 1
                        if budget.spent():
                            target.complete = False
                            return
                    if _real_dir(e):
                        if mount is None or mount_key_at(e.path) == mount:
                            stack.append(e.path)
                        continue
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISLNK(st.st_mode):
                        target.links += 1
                        continue
                    target.files += 1
                    target.bytes += st.st_size
                    m = st.st_mtime
                    target.oldest = m if target.oldest is None else min(target.oldest, m)
                    target.newest = m if target.newest is None else max(target.newest, m)
        except OSError:
            continue


def _plan_root(client_id: str, spec: RootSpec, root: Path, home: Path,
               cats: Sequence[str]) -> RootPlan | None:
    ident, refused = check_root(root, home)
    if ident is None and refused is None:
        return None
    rp = RootPlan(client_id, spec.label, root, ident, spec.report_only, refused=refused)
    if refused:
        return rp
    rp.mount = mount_key_at(root)
    seen: set[tuple[str, ...]] = set()
    for prel, pchain in _profiles(root, spec, rp.links):
        base = os.path.join(root, *prel)
        # Kept names first: a keep entry shadows any clear pattern that also matches it.
        groups: list[tuple[str, Iterable[str]]] = [(KEEP, spec.keep)]
        groups += [(cat, spec.clear.get(cat, ())) for cat in cats]
        for cat, patterns in groups:
            for pattern in patterns:
                via: list[tuple[str, ...]] = []
                for rel, chain, entry in _expand(base, pattern, via):
                    full = (*prel, *rel)
                    if full in seen or (cat != KEEP and rel[-1] in spec.keep):
                        continue
                    seen.add(full)
                    kind = "dir" if _real_dir(entry) else \
                        "link" if _entry_is_link(entry) else "file"
                    if kind == "link" and cat != KEEP and not spec.report_only:
                        rp.links.append(full)  # data lives elsewhere: report, not unlink
                        continue
                    action = KEEP if cat == KEEP else REPORT if spec.report_only else DELETE
                    rp.targets.append(Target(Path(root, *full), full, (*pchain, *chain), kind,
                                             cat, action))
                if cat != KEEP:
                    for rel in via:
                        full = (*prel, *rel)
                        if full not in seen:
                            seen.add(full)
                            rp.links.append(full)
    if spec.report_only:
        rp.links.clear()  # browser profiles hold anything; only Teams' own data is reported
    return rp


def plan_clean(policy: Policy, *, client_ids: Sequence[str] | None = None,
               os_name: OsName | None = None, env: Mapping[str, str] | None = None,
               home: Path | None = None, count: bool = True, budget: Budget | None = None,
               processes: ProcessFinder | None = None) -> Plan:
    """Find the catalogued clients present and what a clean would do. ``count=False``
    skips measuring (the deleter counts as it goes)."""
    os_name = os_name or current_os()
    env = dict(os.environ) if env is None else env
    home = home or default_home(os_name, env)
    ids = list(client_ids) if client_ids is not None else list(policy.cleaner.clients)
    unknown = [c for c in ids if c not in CLIENTS]
    if unknown:
        raise ValueError(f"unknown client id(s): {', '.join(unknown)}")
    cats = categories(policy.cleaner.mode, policy.cleaner.clear_cookies)
    plan = Plan(os_name, home)
    for cid in ids:
        for spec in CLIENTS[cid].roots.get(os_name, ()):
            root = resolve_base(spec.base, env, home).joinpath(*spec.parts)
            rp = _plan_root(cid, spec, root, home, cats)
            if rp is not None:
                plan.clients.append(rp)
    if budget is not None:
        budget.start()
    if count:
        for rp in plan.clients:
            for t in rp.targets:
                measure(t, budget, rp.mount)
    mark_running(plan, processes)
    return plan


def mark_running(plan: Plan, processes: ProcessFinder | None = None) -> None:
    """Set ``running`` on each root from one process pass (again just before deleting,
    since the officer may have started Teams while reading the plan)."""
    present = {rp.client_id for rp in plan.clients if not rp.refused}
    names: set[str] = set()
    for cid in present:
        names.update(CLIENTS[cid].processes.get(plan.os_name, ()))
    running = (processes or default_processes)(frozenset(names), plan.os_name) if names else set()
    for rp in plan.clients:
        rp.running = bool(running & set(CLIENTS[rp.client_id].processes.get(plan.os_name, ())))


def human_bytes(n: int) -> str:
    """A size for officers and IT: "10 bytes", "1.5 KB", "2.0 GB" (1024-based)."""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover - loop always returns
