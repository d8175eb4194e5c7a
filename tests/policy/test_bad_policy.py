"""Every kind of bad policy gives a message naming the source, the key and, for TOML, the
line; the other layers keep working."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

import pytest

from devicecheck import paths
from devicecheck.policy import load_policy
from devicecheck.policy.sources import MAX_POLICY_BYTES, file_layer
from devicecheck.probes.registry import DictRegistry


def errors_for(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "p.toml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    layer = file_layer(path, machine=False)
    assert layer is not None
    return [str(e) for e in layer.errors]


@pytest.mark.parametrize(("text", "expected"), [
    ('[organisation]\nname = "x"\nname2 = \n', ["line 3", "malformed TOML"]),
    ('[organisation]\nnmae = "x"\n', ["line 2", "organisation.nmae", "unknown setting"]),
    ('[orgnisation]\nname = "x"\n', ["line 1", "orgnisation", "unknown section"]),
    ('[tray]\ncheck_interval_minutes = "often"\n', ["line 2", "tray.check_interval_minutes", "whole number"]),
    ('[tray]\ncheck_interval_minutes = 0\n', ["line 2", "out of range"]),
    ('[tray]\nallow_quit = "no"\n', ["line 2", "tray.allow_quit", "true or false"]),
    ('[cleaner]\nmode = "everything"\n', ["line 2", "cleaner.mode", "must be one of"]),
    ('[organisation]\ntenant_ids = "abc"\n', ["line 2", "list of text"]),
    ('[organisation]\ntenant_ids = ["not-a-guid"]\n', ["line 2", "expected form"]),
    ('[teams]\nlocal_api_url = "ws://evil.example.com:8124"\n', ["line 2", "teams.local_api_url"]),
    ('[severity]\nwork-device = "sometimes"\n', ["line 2", "severity.work-device", "must be one of"]),
    ('[severity]\nno-such-check = "off"\n', ["line 2", "unknown check id"]),
    ('organisation = 3\n', ["line 1", "must be a table"]),
    ('[notice]\nchecklist = [{title = "x"}]\n', ["line 2", "notice.checklist", "'say'"]),
    (b'[organisation]\nname = "\xff"\n', ["not UTF-8"]),
])
def test_bad_toml_messages(tmp_path: Path, text: str | bytes, expected: list[str]) -> None:
    errors = errors_for(tmp_path, text)
    assert len(errors) == 1, errors
    assert "p.toml" in errors[0]
    for part in expected:
        assert part in errors[0], (part, errors[0])


def test_several_errors_reported_together(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, '[tray]\nallow_quit = 1\ncheck_interval_minutes = -1\n[x]\n')
    assert len(errors) == 3


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "dir.toml"
    path.mkdir()
    layer = file_layer(path, machine=False)
    assert layer is not None and "cannot read" in str(layer.errors[0])


def test_bad_values_fall_back_and_good_ones_apply(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[organisation]\nname = "Council"\n[tray]\ncheck_interval_minutes = "x"\n')
    loaded = load_policy(path, os_name="linux")
    assert loaded.policy.organisation.name == "Council"
    assert loaded.policy.tray.check_interval_minutes == 30  # the default survives
    assert len(loaded.errors) == 1


def test_malformed_file_keeps_other_layers(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[[[ nonsense")
    reg = DictRegistry({r"HKLM\SOFTWARE\Policies\DeviceCheck\organisation": {"name": "Reg"}})
    loaded = load_policy(path, os_name="windows", registry=reg)
    assert loaded.policy.organisation.name == "Reg"
    assert any("malformed TOML" in str(e) for e in loaded.errors)


def test_registry_errors_name_the_key() -> None:
    reg = DictRegistry({
        r"HKLM\SOFTWARE\Policies\DeviceCheck": {"Stray": 1},
        r"HKLM\SOFTWARE\Policies\DeviceCheck\tray": {"allow_quit": 7, "bogus": 1},
    })
    loaded = load_policy(os_name="windows", registry=reg)
    text = [str(e) for e in loaded.errors]
    assert any("tray.allow_quit" in t and "true or false" in t for t in text)
    assert any("tray.bogus" in t and "unknown setting" in t for t in text)
    assert any("Stray" in t and "section subkey" in t for t in text)
    assert all(t.startswith("registry:") for t in text)


def test_bad_managed_prefs(tmp_path: Path) -> None:
    prefs = tmp_path / "m.plist"
    prefs.write_bytes(b"not a plist")
    loaded = load_policy(os_name="macos", managed_prefs=prefs)
    assert "managed preferences" in str(loaded.errors[0])
    prefs.write_bytes(plistlib.dumps({"tray": {"allow_quit": "no"}}))
    loaded = load_policy(os_name="macos", managed_prefs=prefs)
    assert "tray.allow_quit" in str(loaded.errors[0])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to own files as root")
def test_machine_file_others_could_change_is_ignored_not_applied() -> None:
    """Issue 17, item 2: a policy file writable by others only logged an error and its
    values still applied. Now it is ignored and policy-health fails saying so."""
    from devicecheck.checks.engine import run_one
    from devicecheck.checks.policy_health import PolicyHealth
    from tests.checks.helpers import context

    etc = paths.system_config_dir("linux")
    etc.mkdir()
    path = etc / "policy.toml"
    path.write_text('[organisation]\nname = "x"\n[severity]\nwork-device = "off"\n')
    path.chmod(0o666)
    loaded = load_policy(os_name="linux")
    assert any("ignored, not applied" in str(e) and "writable" in str(e) for e in loaded.errors)
    assert loaded.policy.organisation.name == ""           # nothing applied
    assert loaded.policy.severity_of("work-device").value == "required"
    verdict = run_one(PolicyHealth(), context(loaded))
    assert verdict.status.value == "fail" and "ignored" in verdict.summary
    path.chmod(0o644)
    os.chown(path, 65534, 65534)
    loaded = load_policy(os_name="linux")
    assert any("not root" in str(e) for e in loaded.errors) and not loaded.policy.organisation.name
    os.chown(path, 0, 0)
    etc.chmod(0o777)
    assert any("writable" in str(e) for e in load_policy(os_name="linux").errors)
    etc.chmod(0o755)
    assert load_policy(os_name="linux").errors == ()
    assert load_policy(os_name="linux").policy.organisation.name == "x"


@pytest.mark.skipif(os.name != "posix", reason="symbolic links to a user's file: POSIX")
def test_machine_file_as_a_link_to_a_user_file_is_ignored(tmp_path: Path) -> None:
    etc = paths.system_config_dir("linux")
    etc.mkdir()
    mine = tmp_path / "mine.toml"
    mine.write_text('[organisation]\nname = "mine"\n')
    (etc / "policy.toml").symlink_to(mine)
    loaded = load_policy(os_name="linux")
    assert loaded.policy.organisation.name == ""
    assert any("symbolic link" in str(e) for e in loaded.errors)


def test_xdg_config_dirs_is_not_a_policy_source(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack: XDG_CONFIG_DIRS=~/x:/etc/xdg with a policy in ~/x that switches checks
    off. The machine folder is fixed; the environment cannot move it."""
    mine = tmp_path / "x"
    (mine / "devicecheck").mkdir(parents=True)
    (mine / "devicecheck" / "policy.toml").write_text('[severity]\nwork-device = "off"\n')
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{mine}:/etc/xdg")
    monkeypatch.setattr(paths, "SYSTEM_CONFIG_DIR_OVERRIDE", None)
    assert paths.machine_policy_file("linux") == Path("/etc/xdg/devicecheck/policy.toml")
    assert paths.system_config_dir("macos") == Path("/Library/Application Support/DeviceCheck")
    assert str(mine) not in str(paths.site_config_dirs("linux"))


def test_oversize_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    body = "[organisation]\n" + "".join(f"k{i} = 1\n" for i in range(200_000))
    assert len(body) > MAX_POLICY_BYTES
    errors = errors_for(tmp_path, body)
    assert len(errors) == 1 and "larger than 1024 KiB" in errors[0]


def test_deep_nesting_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert len(errors) == 1 and "nested too deeply" in errors[0]


def test_bom_is_named(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, b'\xef\xbb\xbf[organisation]\nname = "x"\n')
    assert len(errors) == 1 and "byte order mark" in errors[0] and "line 1" in errors[0]


def test_huge_integer_is_an_error(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, "[tray]\ncheck_interval_minutes = " + "9" * 5000 + "\n")
    assert len(errors) == 1 and "p.toml" in errors[0]
