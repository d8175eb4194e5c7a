"""``devicecheck notice [--text]`` (pinned) and ``devicecheck precall`` without a display,
run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_notice import NOTICE_FACTS

SRC = str(Path(__file__).resolve().parents[2] / "src")


#: ``devicecheck ARGS`` trusting files owned by whoever runs the suite as IT's, as the
#: suite's conftest does in-process (``paths.TRUSTED_OWNER_UIDS``), or root alone.
RUN = ("import os, sys; from devicecheck import paths; "
       "paths.TRUSTED_OWNER_UIDS = frozenset({{0, {uid}}}); "
       "from devicecheck.cli import main; sys.exit(main(sys.argv[1:]))")


def run(*args: str, env: dict[str, str] | None = None,
        trusted_uid: int | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    uid = os.getuid() if trusted_uid is None else trusted_uid
    return subprocess.run([sys.executable, "-c", RUN.format(uid=uid), *args],
                          capture_output=True, text=True, timeout=60, env=full_env,
                          check=False)


def test_notice_text_prints_the_notice_with_its_version() -> None:
    proc = run("notice", "--text")
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.split())
    for phrases in NOTICE_FACTS.values():
        for phrase in phrases:
            assert phrase in flat
    assert "<" not in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Notice version 2026-12-01+")


def test_notice_prints_an_html_document_by_default() -> None:
    proc = run("notice")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<!DOCTYPE html>\n<!-- DeviceCheck notice version 2026-12-01+")
    assert '<a href="mailto:legal@breckland.gov.uk">' in proc.stdout
    assert proc.stdout.rstrip().endswith("</html>")


def test_notice_does_not_import_qt() -> None:
    code = ("import sys; from devicecheck.cli import main; rc = main(['notice', '--text']); "
            "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'; "
            "sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": SRC}, check=False)
    assert proc.returncode == 0, proc.stderr


def test_notice_from_policy_file_and_a_broken_one(tmp_path: Path) -> None:
    notice = tmp_path / "council.md"
    notice.write_text("# Council notice\n\nOur own words.\n", encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[notice]\nfile = "{notice}"\nrevision_date = "2025-03-01"\n',
                      encoding="utf-8")
    proc = run("notice", "--text", "--policy", str(policy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Council notice\n")
    assert f"notice file {notice}, revised 2025-03-01" in proc.stdout

    notice.unlink()
    proc = run("notice", "--text", "--policy", str(policy))
    assert proc.returncode == 2
    assert "01362 656870" in proc.stdout  # the built-in notice, so officers still get one
    assert "no such file" in proc.stderr and "built-in notice" in proc.stderr


def test_another_users_notice_file_is_not_printed(tmp_path: Path) -> None:
    """Issue 29: a notice file owned by someone other than root (and not the suite's own
    user) is ignored: the built-in notice is printed, the reason on stderr, exit 2."""
    notice = tmp_path / "council.md"
    notice.write_text("# Their notice\n\nWe record every call.\n", encoding="utf-8")
    if os.getuid() == 0:
        os.chown(notice, 4242, -1)
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[notice]\nfile = "{notice}"\n', encoding="utf-8")
    for flag in ("--text", None):
        proc = run("notice", *([flag] if flag else []), "--policy", str(policy),
                   trusted_uid=0)
        assert proc.returncode == 2
        assert "record every call" not in proc.stdout and "01362 656870" in proc.stdout
        assert "not root" in proc.stderr and "built-in notice" in proc.stderr


def test_text_and_html_say_the_same_without_bidi_controls(tmp_path: Path) -> None:
    notice = tmp_path / "council.html"
    notice.write_text("<h1>N</h1><p>WE MAY &#x202E;DROCER TON&#x202C; THE CALL\u200b</p>",
                      encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[notice]\nfile = "{notice}"\n', encoding="utf-8")
    text = run("notice", "--text", "--policy", str(policy)).stdout
    page = run("notice", "--policy", str(policy)).stdout
    for out in (text, page):
        assert "WE MAY DROCER TON THE CALL" in out
        assert not {"\u202e", "\u202c", "\u200b"} & set(out)


def test_precall_without_a_display_says_so_and_exits_2() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = SRC
    proc = subprocess.run([sys.executable, "-m", "devicecheck", "precall"], capture_output=True,
                          text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 2
    assert "needs a desktop session" in proc.stderr and "devicecheck check" in proc.stderr


def test_notice_command_when_the_built_in_notice_is_missing(tmp_path: Path) -> None:
    code = ("import sys, pathlib, devicecheck.notice as n; "
            f"n.resource_path = lambda *p: pathlib.Path({str(tmp_path)!r}).joinpath(*p); "
            "from devicecheck.cli import main; sys.exit(main(['notice', '--text']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": SRC}, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "no privacy notice is available" in proc.stderr
