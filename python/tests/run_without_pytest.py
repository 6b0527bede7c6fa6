"""The companion's suite on a bare interpreter without pytest (Debian's python3 as it comes).

The tests are written for pytest; this runner gives them the small part of pytest they use
(``raises``, ``importorskip``, ``mark.skipif``, ``mark.parametrize``, ``fixture``, and the
``capsys`` and ``monkeypatch`` fixtures) so that everything that needs only the standard library
runs here too. A file whose imports are missing (FastAPI, uvicorn) is skipped with its reason.
Exit status 1 when a test fails. Used by scripts/python-tests.sh when pytest is missing.
"""

import contextlib
import importlib
import importlib.util
import inspect
import io
import itertools
import re
import sys
import traceback
import types
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# the package under test, from this checkout (no install needed), as conftest.py does for pytest
sys.path.insert(0, str(TESTS.parent))


class Skipped(Exception):
    """A test, or a whole file, that cannot run here."""


class _Raises:
    def __init__(self, expected, match=None):
        self.expected, self.match, self.value = expected, match, None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, _traceback):
        if kind is None:
            raise AssertionError(f"DID NOT RAISE {self.expected}")
        if not issubclass(kind, self.expected):
            return False
        if self.match is not None and not re.search(self.match, str(value)):
            raise AssertionError(f"{value!r} does not match {self.match!r}")
        self.value = value
        return True

    @property
    def type(self):
        return type(self.value)


def _raises(expected, *call, match=None, **keywords):
    """``pytest.raises`` as a context manager, or called with the function to call and its arguments."""
    if not call:
        return _Raises(expected, match)
    with _Raises(expected, match) as raised:
        call[0](*call[1:], **keywords)
    return raised


def _importorskip(name):
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise Skipped(f"could not import {name!r}: {error}") from None


def _mark(attribute):
    def decorator_factory(*args, **kwargs):
        def decorate(test):
            setattr(test, attribute, [*getattr(test, attribute, []), (args, kwargs)])
            return test

        return decorate

    return decorator_factory


def _fixture(function):
    function.is_fixture = True
    return function


def pytest_stand_in():
    """A module named pytest with what the suite uses of it."""
    module = types.ModuleType("pytest")
    module.raises = _raises
    module.importorskip = _importorskip
    module.skip = lambda reason="": (_ for _ in ()).throw(Skipped(reason))
    module.fixture = _fixture
    module.mark = types.SimpleNamespace(skipif=_mark("skipifs"), parametrize=_mark("parametrizations"))
    return module


class _Capture:
    def __init__(self, stack):
        self.out, self.err = io.StringIO(), io.StringIO()
        stack.enter_context(contextlib.redirect_stdout(self.out))
        stack.enter_context(contextlib.redirect_stderr(self.err))

    def readouterr(self):
        result = types.SimpleNamespace(out=self.out.getvalue(), err=self.err.getvalue())
        for stream in (self.out, self.err):
            stream.seek(0)
            stream.truncate()
        return result


class _MonkeyPatch:
    def __init__(self, stack):
        self.undo = []
        stack.callback(lambda: [restore() for restore in reversed(self.undo)])

    def setattr(self, target, name, value):
        old = getattr(target, name)
        self.undo.append(lambda: setattr(target, name, old))
        setattr(target, name, value)

    def setenv(self, name, value):
        import os

        old = os.environ.get(name)
        self.undo.append(lambda: os.environ.pop(name, None) if old is None else os.environ.__setitem__(name, old))
        os.environ[name] = value

    def delenv(self, name, raising=True):
        import os

        if name not in os.environ and not raising:
            return
        old = os.environ.pop(name)
        self.undo.append(lambda: os.environ.__setitem__(name, old))


def _cases(test):
    """Each set of arguments a test runs with: the product of its parametrize marks."""
    axes = []
    for args, _kwargs in getattr(test, "parametrizations", []):
        names, values = args[0], args[1]
        names = [name.strip() for name in names.split(",")] if isinstance(names, str) else list(names)
        axes.append([dict(zip(names, value if len(names) > 1 else (value,))) for value in values])
    return [dict(item for case in combination for item in case.items()) for combination in itertools.product(*axes)]


def _run(module, test, arguments):
    with contextlib.ExitStack() as stack:
        for name in inspect.signature(test).parameters:
            if name in arguments:
                continue
            if name == "capsys":
                arguments[name] = _Capture(stack)
            elif name == "monkeypatch":
                arguments[name] = _MonkeyPatch(stack)
            elif getattr(getattr(module, name, None), "is_fixture", False):
                value = getattr(module, name)()
                if inspect.isgenerator(value):
                    generator = value
                    value = next(generator)
                    stack.callback(lambda g=generator: next(g, None))
                arguments[name] = value
            else:
                raise Skipped(f"needs the fixture {name!r}, which only pytest has")
        test(**arguments)


def _tests(module, skipped):
    """(name, test) of each test function, and of each test method of a Test class (as pytest collects them)."""
    for name, test in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("test_") and test.__module__ == module.__name__:
            yield name, test
    for class_name, group in inspect.getmembers(module, inspect.isclass):
        if not class_name.startswith("Test") or group.__module__ != module.__name__:
            continue
        if "__init__" in vars(group):
            skipped.append(f"{module.__name__}.py::{class_name} (a test class with __init__, which pytest does not collect either)")
            continue
        for name, _method in inspect.getmembers(group, inspect.isfunction):
            if name.startswith("test_"):
                yield f"{class_name}::{name}", getattr(group(), name)


def main() -> int:
    # always the stand-in: this runner is for interpreters without pytest, and tests it so where pytest exists
    sys.modules["pytest"] = pytest_stand_in()
    passed, failed, skipped = 0, 0, []
    for path in sorted(TESTS.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Skipped as reason:
            skipped.append(f"{path.name} ({reason})")
            continue
        for name, test in _tests(module, skipped):
            # pytest alone does not run them either: it needs a plugin (pytest-asyncio, anyio)
            if inspect.iscoroutinefunction(test):
                skipped.append(f"{path.name}::{name} (an async test, which needs a pytest plugin)")
                continue
            reasons = [kwargs.get("reason", "") for args, kwargs in getattr(test, "skipifs", []) if args and args[0]]
            if reasons:
                skipped.append(f"{path.name}::{name} ({reasons[0]})")
                continue
            for case in _cases(test):
                label = f"{path.name}::{name}{list(case.values()) if case else ''}"
                try:
                    _run(module, test, dict(case))
                    passed += 1
                except Skipped as reason:
                    skipped.append(f"{label} ({reason})")
                # a test that calls sys.exit() fails, as under pytest: it must not end the run with its status
                except (Exception, SystemExit):  # noqa: BLE001 - every failure is reported, none stops the run
                    failed += 1
                    print(f"FAILED {label}", file=sys.stderr)
                    traceback.print_exc()
    for line in skipped:
        print(f"SKIPPED {line}")
    print(f"python tests without pytest: {passed} passed, {failed} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
