"""The probe runner: argument lists, timeouts, not-found told apart, C locale."""

from __future__ import annotations

import sys
import time

from devicecheck.probes.runner import Outcome, ProbeRunner


def test_ok_output_and_c_locale() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"])
    assert res.ok and res.outcome is Outcome.OK and res.returncode == 0
    assert res.stdout.strip() == "C"


def test_locale_left_alone_when_not_parsing() -> None:
    res = ProbeRunner(env={"LC_ALL": "en_GB.UTF-8", "PATH": "/usr/bin:/bin"}).run(
        [sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"], parse_locale=False)
    assert res.stdout.strip() == "en_GB.UTF-8"


def test_failure_keeps_code_and_stderr() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import sys; sys.stderr.write('denied\\n'); sys.exit(3)"])
    assert res.outcome is Outcome.FAILED and res.returncode == 3
    assert "exited with code 3: denied" in res.describe()


def test_not_found_is_not_failure() -> None:
    res = ProbeRunner().run(["definitely-not-a-command-xyz", "--status"])
    assert res.outcome is Outcome.NOT_FOUND and res.returncode is None
    assert res.describe() == "definitely-not-a-command-xyz is not installed"


def test_timeout_kills_and_says_so() -> None:
    start = time.monotonic()
    res = ProbeRunner().run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert time.monotonic() - start < 5
    assert res.outcome is Outcome.TIMEOUT and "did not answer" in res.describe()


def test_no_shell_metacharacters_interpreted(tmp_path: object) -> None:
    res = ProbeRunner().run(["echo", "$(id); rm -rf /"])
    assert res.stdout.strip() == "$(id); rm -rf /"


def test_undecodable_bytes_do_not_crash() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'\\xff\\xfeA\\x00')"])
    assert res.ok and isinstance(res.stdout, str)


def test_stdin_is_closed() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))"], timeout=5)
    assert res.stdout.strip() == "''"
