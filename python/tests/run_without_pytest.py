"""What of the suite runs on a bare interpreter without pytest (Debian's python3 as it comes).

Runs every ``test_*`` function that takes no fixture in the test files that do not import pytest,
and names the files that need it. Exit status 1 when a test fails. Used by scripts/python-tests.sh.
"""

import importlib.util
import inspect
import sys
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# the package under test, from this checkout (no install needed), as conftest.py does for pytest
sys.path.insert(0, str(TESTS.parent))


def main() -> int:
    passed, failed, needs_pytest = 0, 0, []
    for path in sorted(TESTS.glob("test_*.py")):
        if "import pytest" in path.read_text(encoding="utf-8"):
            needs_pytest.append(path.name)
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, test in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_") or inspect.signature(test).parameters:
                continue
            try:
                test()
                passed += 1
            except Exception:  # noqa: BLE001 - every failure is reported, none stops the run
                failed += 1
                print(f"FAILED {path.name}::{name}", file=sys.stderr)
                traceback.print_exc()
    print(f"python tests without pytest: {passed} passed, {failed} failed; not run (they need pytest): {', '.join(needs_pytest)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
