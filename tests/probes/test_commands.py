"""``run_parsed``: one command, its parsed answer, or why there is none."""

from __future__ import annotations

from devicecheck.probes import ParseError
from devicecheck.probes.commands import run_parsed
from devicecheck.probes.runner import CommandResult, Outcome
from tests.probes.fakes import FakeRunner, failed


def _words(text: str) -> list[str]:
    if not text.strip():
        raise ParseError("no words")
    return text.split()


def test_parsed_answer() -> None:
    got = run_parsed(FakeRunner({"tool": "a b"}), ["tool"], _words, timeout=5)
    assert got.error is None and got.value == ["a", "b"] and got.outcome is Outcome.OK
    assert got.fact("words") == {"words": ["a", "b"]}


def test_a_failed_command_says_why() -> None:
    got = run_parsed(FakeRunner({"tool": failed(3, "broken")}), ["tool"], _words, timeout=5)
    assert got.value is None and got.outcome is Outcome.FAILED
    assert got.fact("words") == {"error": "tool exited with code 3: broken"}


def test_a_missing_program_keeps_its_outcome() -> None:
    missing = CommandResult(("tool",), Outcome.NOT_FOUND, None, "", "", 0.0)
    got = run_parsed(FakeRunner({"tool": missing}), ["tool"], _words, timeout=5)
    assert got.outcome is Outcome.NOT_FOUND and got.error == "tool is not installed in the system folders"


def test_unreadable_output_names_the_program() -> None:
    got = run_parsed(FakeRunner({"tool": "  "}), ["tool"], _words, timeout=5)
    assert got.error == "tool output unreadable: no words"


def test_both_streams_for_tools_that_answer_on_stderr() -> None:
    runner = FakeRunner({"tool": CommandResult(("tool",), Outcome.OK, 0, "", "on stderr", 0.0)})
    assert run_parsed(runner, ["tool"], _words, timeout=5).error is not None
    got = run_parsed(runner, ["tool"], _words, timeout=5, both_streams=True, name="Tool")
    assert got.value == ["on", "stderr"]
