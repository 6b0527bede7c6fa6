"""The stand-in runner never reports a pass it did not run: each case here is a test file of its own."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUNNER = Path(__file__).resolve().parent / "run_without_pytest.py"


def _run_alone(source):
    """Runs the stand-in on one test file in a folder of its own: (exit status, what it printed)."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(RUNNER, folder)
        (Path(folder) / "test_case.py").write_text(source)
        done = subprocess.run([sys.executable, str(Path(folder) / RUNNER.name)], capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr


def test_a_test_that_exits_is_a_failure_and_the_run_goes_on():
    status, out = _run_alone("import sys\n\ndef test_a_exits():\n    sys.exit(0)\n\ndef test_b_fails():\n    assert False\n")
    assert status == 1
    assert "FAILED test_case.py::test_a_exits" in out
    assert "0 passed, 2 failed" in out


def test_an_async_test_is_skipped_not_passed():
    status, out = _run_alone("async def test_fails():\n    raise AssertionError('never awaited')\n")
    assert status == 0
    assert "0 passed, 0 failed, 1 skipped" in out
    assert "SKIPPED test_case.py::test_fails" in out


def test_raises_called_with_the_function_calls_it():
    source = "import pytest\n\ndef test_no_raise():\n    pytest.raises(ValueError, int, '1')\n\ndef test_raise():\n    assert pytest.raises(ValueError, int, 'x').type is ValueError\n"
    status, out = _run_alone(source)
    assert status == 1
    assert "FAILED test_case.py::test_no_raise" in out
    assert "1 passed, 1 failed" in out


def test_a_test_class_is_run():
    status, out = _run_alone("class TestGroup:\n    def test_fails(self):\n        assert False\n\n    def test_passes(self):\n        pass\n")
    assert status == 1
    assert "FAILED test_case.py::TestGroup::test_fails" in out
    assert "1 passed, 1 failed" in out
