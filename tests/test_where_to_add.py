"""The architecture doc's "where do I add…" table is true (issue 28): each row's change is
made in a scratch copy of the package, in exactly the files the row names, and a fresh
interpreter importing the copy finds the new thing everywhere it should be (the policy's
choices and validation, ``policy show``, docs/policy.md, ADMX/ADML, Intune, the monitor,
the menu, the cleaner). A row that needed one more file would fail here.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from tests.helpers.scratch import REPO, edit, run_json, scratch_copy

DOC = REPO / "docs" / "architecture.md"


def _table_row(what: str) -> str:
    rows = DOC.read_text(encoding="utf-8").split("## Where do I add…", 1)[1].split("\n## ", 1)[0]
    return next(line for line in rows.splitlines() if line.startswith(f"| {what} |"))


# -- a check -------------------------------------------------------------------------------
CHECK_MODULE = '''
from devicecheck.checks.base import Check, Verdict
from devicecheck.checks.status import Status


class DummyCheck(Check):
    id = "dummy-check"

    def gather(self, ctx):
        return {"mood": "happy"}

    def judge(self, facts, ctx):
        return Verdict(Status.PASS, "The dummy is " + facts["mood"] + ".", dict(facts))
'''

CHECK_SPEC = ('    CheckSpec("dummy-check", "dummy_check", "DummyCheck", "The dummy is happy",\n'
              '              "The dummy is sad", "Cheer the dummy up.", severity="advisory",\n'
              '              remedy={"any": "Cheer the dummy up."}),\n')

RENDER = '''
from buildlib import admx, intune_rules, mobileconfig, policydoc
generated = {"doc": policydoc.render(), "admx": admx.render_admx(),
             "adml": admx.render_adml(), "intune": intune_rules.render(),
             "mobileconfig": mobileconfig.render()}
'''


def test_a_check_is_its_module_and_one_registry_entry(tmp_path: Path) -> None:
    assert "`checks/<id>.py`" in _table_row("a check")
    pkg = scratch_copy(tmp_path)
    (pkg / "checks" / "dummy_check.py").write_text(CHECK_MODULE, encoding="utf-8")
    edit(pkg / "checks" / "registry.py", ")\n\n\ndef spec(", CHECK_SPEC)
    out = run_json(pkg, RENDER, '''
        import contextlib, io
        from devicecheck.checks import all_checks
        from devicecheck.cli import main
        from devicecheck.policy.schema import validate_tree, build_policy
        show = io.StringIO()
        with contextlib.redirect_stdout(show):
            main(["policy", "show"])
        values, errors = validate_tree({"severity": {"dummy-check": "off"}}, "test")
        check = all_checks()[-1]
        print(json.dumps({**generated, "ids": [c.id for c in all_checks()],
                          "title": check.title, "errors": [str(e) for e in errors],
                          "off": build_policy(values).severity_of("dummy-check"),
                          "show": show.getvalue()}))
    ''')
    assert out["ids"][-1] == "dummy-check" and out["title"] == "The dummy is happy"
    assert out["errors"] == [] and out["off"] == "off"
    assert "dummy-check" in out["show"]
    assert "### `severity.dummy-check`" in out["doc"]
    assert 'valueName="dummy-check"' in out["admx"] and "severity_dummy_check" in out["adml"]
    assert '"SettingName": "DummyCheck"' in out["intune"]


# -- a probe -------------------------------------------------------------------------------
PROBE = '''

def parse_dummy_count(text: str) -> int:
    """``dummy-tool --count``: one whole number."""
    try:
        return int(text.strip())
    except ValueError as exc:
        raise ParseError(f"not a number: {text.strip()[:20]!r}") from exc


def dummy_count(runner: Runner) -> Any:
    return run_parsed(runner, ["dummy-tool", "--count"], parse_dummy_count, timeout=5)
'''


def test_a_probe_is_a_parser_and_a_probe_in_the_os_module(tmp_path: Path) -> None:
    assert "`probes/{windows,macos,linux}.py`" in _table_row("a probe")
    pkg = scratch_copy(tmp_path)
    with (pkg / "probes" / "linux.py").open("a", encoding="utf-8") as f:
        f.write(PROBE)
    fixture = tmp_path / "dummy-count.txt"
    fixture.write_text("42\n", encoding="utf-8")
    out = run_json(pkg, f'''
        from pathlib import Path
        from devicecheck.probes import ParseError
        from devicecheck.probes.linux import dummy_count, parse_dummy_count
        from devicecheck.probes.runner import CommandResult, Outcome

        class Fixture:
            def __init__(self, outcome, stdout):
                self.outcome, self.stdout = outcome, stdout
            def run(self, argv, *, timeout=10, parse_locale=True, input_text=None):
                code = 0 if self.outcome is Outcome.OK else 1
                return CommandResult(tuple(argv), self.outcome, code, self.stdout, "", 0.01)

        text = Path({str(fixture)!r}).read_text()
        try:
            parse_dummy_count("forty-two")
            refused = None
        except ParseError as exc:
            refused = str(exc)
        good = dummy_count(Fixture(Outcome.OK, text))
        odd = dummy_count(Fixture(Outcome.OK, "forty-two"))
        gone = dummy_count(Fixture(Outcome.NOT_FOUND, ""))
        print(json.dumps({{"parsed": parse_dummy_count(text), "refused": refused,
                          "good": good.fact("count"), "odd": odd.fact("count"),
                          "gone": gone.fact("count")}}))
    ''')
    assert out["parsed"] == 42 and out["good"] == {"count": 42}
    assert "not a number" in out["refused"]
    assert out["odd"]["error"].startswith("dummy-tool output unreadable")
    assert "error" in out["gone"]        # not found: unknown with a reason, never a value


# -- a meeting/recording signal source ------------------------------------------------------
SOURCE_MODULE = '''
from devicecheck.teams.sources.base import MEETING, Reading, SignalSource


class DummySource(SignalSource):
    name = "dummy"
    kinds = frozenset({MEETING})
    poll_ms = 1000
    describes = "the dummy's lamp"

    def poll(self, now):
        return Reading.of(sorted(c for c, pids in self.pids.items() if pids))
'''

SOURCE_LINE = ('    "dummy": SourceEntry(f"{_PKG}.dummy:DummySource", "the dummy\'s lamp", '
               '"dummy"),\n')


def test_a_signal_source_is_its_module_and_one_registry_line(tmp_path: Path) -> None:
    row = _table_row("a meeting/recording signal source")
    assert "`teams/sources/<name>.py`" in row and "`REGISTRY`" in row
    assert "policy/model.py" not in row and "detection.py" not in row
    pkg = scratch_copy(tmp_path)
    (pkg / "teams" / "sources" / "dummy.py").write_text(SOURCE_MODULE, encoding="utf-8")
    edit(pkg / "teams" / "sources" / "__init__.py", '    "window": SourceEntry(', SOURCE_LINE)
    out = run_json(pkg, RENDER, f'''
        from dataclasses import replace
        from pathlib import Path
        from devicecheck.audit import AuditLog
        from devicecheck.policy import Policy
        from devicecheck.policy.model import TeamsPolicy
        from devicecheck.policy.schema import LEAVES, validate_tree
        from devicecheck.teams import detection, sources
        from devicecheck.teams.monitor import TeamsMonitor

        def monitor(policy):
            return TeamsMonitor(policy, os_name="linux", client_ids=(), auto_clean=False,
                                find=lambda *a, **k: [],
                                audit=AuditLog(Path({str(tmp_path)!r}) / "audit.jsonl"))

        _, errors = validate_tree({{"teams": {{"disabled_sources": ["dummy"]}}}}, "test")
        off_policy = replace(Policy(), teams=TeamsPolicy(disabled_sources=("dummy",)))
        on, off = monitor(Policy()), monitor(off_policy)
        print(json.dumps({{**generated, "phrases": sources.phrases(),
                          "summary": detection.detection_summary(["log", "dummy"]),
                          "choices": list(LEAVES["teams.disabled_sources"].meta["choices"]),
                          "errors": [str(e) for e in errors], "on": list(on.sources),
                          "detection": on.detection(), "off": list(off.sources),
                          "pilot": sources.runnable(off_policy)}}))
    ''')
    assert out["phrases"]["dummy"] == "the dummy's lamp"
    assert out["summary"] == "Meetings detected from Teams' log and the dummy's lamp."
    assert out["choices"] == ["log", "power", "audiosession", "capability", "audio", "camera",
                              "dummy", "window"]
    assert out["errors"] == []           # IT may switch it off: not a policy error
    assert "dummy" in out["on"] and "dummy" not in out["off"]
    assert "the dummy's lamp" in out["detection"]
    assert "dummy" in out["pilot"]       # the pilot runs every source, switched off or not
    assert "`dummy`, `window`" in out["doc"]
    assert "Allowed values: log, power, audiosession, capability, audio, camera, dummy, " \
           "window" in out["adml"]


# -- a policy setting ------------------------------------------------------------------------
SETTING = ('    dummy_minutes: int = field(\n'
           '        default=7, metadata=meta("How long the dummy waits.", min=1, max=9))\n')


def test_a_policy_setting_is_one_field_in_the_model(tmp_path: Path) -> None:
    assert "`policy/model.py`" in _table_row("a policy setting")
    pkg = scratch_copy(tmp_path)
    edit(pkg / "policy" / "model.py", "    installer_autostart: bool = field(", SETTING)
    out = run_json(pkg, RENDER, '''
        import contextlib, io
        from devicecheck.cli import main
        from devicecheck.policy import Policy
        from devicecheck.policy.schema import build_policy, validate_tree
        good, _ = validate_tree({"tray": {"dummy_minutes": 8}}, "test")
        _, bad = validate_tree({"tray": {"dummy_minutes": 10}}, "test")
        show = io.StringIO()
        with contextlib.redirect_stdout(show):
            main(["policy", "show"])
        print(json.dumps({**generated, "default": Policy().tray.dummy_minutes,
                          "set": build_policy(good).tray.dummy_minutes,
                          "bad": [str(e) for e in bad], "show": show.getvalue()}))
    ''')
    assert out["default"] == 7 and out["set"] == 8
    assert "out of range" in out["bad"][0]
    assert "dummy_minutes" in out["show"]
    assert "### `tray.dummy_minutes`" in out["doc"] and "How long the dummy waits." in out["doc"]
    assert "tray_dummy_minutes" in out["admx"] and "How long the dummy waits." in out["adml"]


# -- a tray menu item -------------------------------------------------------------------------
MENU_LINE = '    MenuEntry("dummy", "&Dummy thing", message="dummy"),\n'


def menu_handler_keys(controller: Path) -> set[str]:
    """The keys of the handler table the controller gives ``TrayMenu``."""
    tree = ast.parse(controller.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "TrayMenu":
            table = node.args[0]
            assert isinstance(table, ast.Dict)
            return {str(k.value) for k in table.keys if isinstance(k, ast.Constant)}
    raise AssertionError("no TrayMenu({...}) table in the controller")


def test_every_menu_entry_has_its_handler_in_the_controller() -> None:
    from devicecheck.ui.tray.menu import ENTRIES

    controller = REPO / "src" / "devicecheck" / "ui" / "tray" / "controller.py"
    assert menu_handler_keys(controller) == {e.key for e in ENTRIES}


def test_a_tray_menu_item_is_one_entry_and_its_handler(tmp_path: Path) -> None:
    row = _table_row("a tray menu item")
    assert "`ui/tray/menu.py`" in row and "`ui/tray/controller.py`" in row
    pkg = scratch_copy(tmp_path)
    edit(pkg / "ui" / "tray" / "menu.py", '    MenuEntry("autostart",', MENU_LINE)
    controller = pkg / "ui" / "tray" / "controller.py"
    edit(controller, '"about": wm.show_about,', '"dummy": wm.open_report, ')
    assert menu_handler_keys(controller) >= {"dummy", "report"}
    out: Any = run_json(pkg, '''
        from PySide6.QtWidgets import QApplication
        from devicecheck.ui.tray.menu import ENTRIES, TrayMenu, entry_for_message
        app = QApplication([])
        ran = []
        menu = TrayMenu({e.key: (lambda *_a, k=e.key: ran.append(k)) for e in ENTRIES})
        menu.entries["dummy"].trigger()
        print(json.dumps({"ran": ran, "message": entry_for_message("dummy").key,
                          "buttons": [a.text() for a in menu.command_actions()]}))
    ''')
    assert out["ran"] == ["dummy"] and out["message"] == "dummy"
    assert "&Dummy thing" in out["buttons"]     # the no-tray window's buttons follow


# -- a Teams client ---------------------------------------------------------------------------
CLIENT = '''    "dummy-client": Client(
        "dummy-client", "Dummy Teams", "Dummy Teams",
        processes={"linux": ("dummy-teams",)},
        data_roots={"linux": (Place("xdg_config", ("dummy-teams",)),)},
        restart={"linux": "exec"},
    ),
'''
CLEANING_RULE = '''    "dummy-client": {("*", "*"): Cleaning(clear=MappingProxyType({CACHES: ("Cache",)}))},
'''


def test_a_teams_client_is_one_entry_and_its_cleaning_rule(tmp_path: Path) -> None:
    row = _table_row("a Teams client")
    assert "`clients.py` `CLIENTS`" in row and "`cleaner/catalogue.py` `CLEANING`" in row
    pkg = scratch_copy(tmp_path)
    edit(pkg / "clients.py", '    "teams-web": Client(', CLIENT)
    edit(pkg / "cleaner" / "catalogue.py", '    "teams-new": {\n', CLEANING_RULE)
    config = tmp_path / "config"
    (config / "dummy-teams" / "Cache").mkdir(parents=True)
    (config / "dummy-teams" / "Cache" / "data_0").write_bytes(b"x" * 10)
    out = run_json(pkg, RENDER, f'''
        from pathlib import Path
        from devicecheck.audit import AuditLog
        from devicecheck.cleaner.plan import plan_clean
        from devicecheck.cleaner.control import RESTARTABLE
        from devicecheck.clients import restart_method
        from devicecheck.policy import Policy
        from devicecheck.policy.schema import LEAVES, validate_tree
        from devicecheck.teams.monitor import TeamsMonitor

        tmp = Path({str(tmp_path)!r})
        plan = plan_clean(Policy(), client_ids=["dummy-client"], os_name="linux",
                          env={{"XDG_CONFIG_HOME": str(tmp / "config"), "HOME": str(tmp)}},
                          home=tmp, processes=lambda names, os_name: set())
        monitor = TeamsMonitor(Policy(), os_name="linux", auto_clean=False, sources=[],
                               find=lambda *a, **k: [], audit=AuditLog(tmp / "audit.jsonl"))
        _, errors = validate_tree({{"cleaner": {{"clients": ["dummy-client"]}}}}, "test")
        print(json.dumps({{**generated, "default": list(Policy().cleaner.clients),
                          "choices": list(LEAVES["cleaner.clients"].meta["choices"]),
                          "errors": [str(e) for e in errors], "plan": plan.to_dict(),
                          "restart": restart_method("dummy-client", "linux"),
                          "restartable": "dummy-client" in RESTARTABLE,
                          "watched": list(monitor.clients)}}))
    ''')
    assert "dummy-client" in out["default"] and "dummy-client" in out["choices"]
    assert out["errors"] == []
    assert "`dummy-client`" in out["doc"] and "dummy-client" in out["adml"]
    [root] = out["plan"]["clients"]
    assert root["id"] == "dummy-client"
    assert [(t["files"], t["category"]) for t in root["targets"]] == [(1, "caches")]
    assert out["restart"] == "exec" and out["restartable"]
    assert "dummy-client" in out["watched"]      # the meeting watch follows the entry
