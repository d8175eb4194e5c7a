"""A fake Linux machine for probe and check tests: small executable scripts in a temp
``bin`` (the runner's only system folder, its ``system_dirs`` seam, so real tools never
answer), and fake files under a temporary root and home."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from devicecheck.checks.base import Context
from devicecheck.policy import LoadedPolicy
from devicecheck.probes.runner import ProbeRunner


class FakeLinux:
    def __init__(self, tmp_path: Path) -> None:
        self.bin = tmp_path / "bin"
        self.root = tmp_path / "root"
        self.home = tmp_path / "officer"
        for d in (self.bin, self.root, self.home):
            d.mkdir(parents=True, exist_ok=True)
        # No PATH: the runner never looks there (probes.runner); the fakes are found
        # because ``bin`` is the runner's system folder.
        self.env: dict[str, str] = {"HOME": str(self.home)}

    def command(self, name: str, *, stdout: str = "", stderr: str = "", code: int = 0,
                sleep: float = 0, when: str | None = None) -> FakeLinux:
        """``name`` prints ``stdout``/``stderr`` and exits ``code``. With ``when``, only
        calls whose arguments equal it answer so; other calls exit 64 (usage error)."""
        out, err = self.bin / f".{name}.{len(list(self.bin.iterdir()))}.out", self.bin / f".{name}.err"
        out.write_text(stdout)
        err.write_text(stderr)
        body = f"/bin/cat {shlex.quote(str(out))}\n/bin/cat {shlex.quote(str(err))} >&2\nexit {code}\n"
        if sleep:
            body = f"/bin/sleep {sleep}\n" + body
        if when is not None:
            body = f'if [ "$*" != {shlex.quote(when)} ]; then exit 64; fi\n' + body
        script = self.bin / name
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(0o755)
        return self

    def runner(self, **env: str) -> ProbeRunner:
        """A real runner whose only system folder is ``bin``."""
        return ProbeRunner(env={**self.env, **env}, system_dirs=(self.bin,))

    def file(self, rel: str, text: str, *, mode: int = 0o644) -> FakeLinux:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        return self

    def home_file(self, rel: str, text: str) -> FakeLinux:
        path = self.home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return self

    def ctx(self, loaded: LoadedPolicy | None = None, **env: str) -> Context:
        return Context(loaded=loaded or LoadedPolicy(), os_name="linux",
                       runner=self.runner(**env), root=self.root,
                       home=self.home, env={**self.env, **env})


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
