#!/usr/bin/env bash
# The Python companion as a package of its own (ready for PyPI): builds its sdist and wheel with
# `python -m build` (Debian: python3-build), and checks that the wheel holds the package at
# package.json's version and imports with the standard library alone. Without python3-build it
# builds the wheel with `pip wheel` and says so (BL_REQUIRE_ALL=1, as in .ci/run, makes that a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${BL_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi
fi
version=$(node -p 'require("./package.json").version')
out=$(mktemp -d)
trap 'rm -rf "$out"; rm -rf python/build python/*.egg-info' EXIT
if "$python" -m build --version >/dev/null 2>&1; then
  "$python" -m build --no-isolation --outdir "$out" python >/dev/null
  # setuptools before 69 (Debian 12's) keeps the dash of the project's name in the sdist's file name
  ls "$out/backend_lifecycle-$version.tar.gz" 2>/dev/null || ls "$out/backend-lifecycle-$version.tar.gz" >/dev/null
elif [ "${BL_REQUIRE_ALL:-}" = 1 ]; then
  echo "python package: FAILED: $python has no build module (install: apt-get install -y python3-build), and BL_REQUIRE_ALL=1" >&2
  exit 1
else
  echo "python package: SKIPPED the sdist: $python has no build module (install: apt-get install -y python3-build); building the wheel with pip" >&2
  "$python" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$out" ./python
fi
wheel="$out/backend_lifecycle-$version-py3-none-any.whl"
if [ ! -f "$wheel" ]; then
  echo "python package: FAILED: no $(basename "$wheel") (is python/pyproject.toml's version $version, as in package.json?)" >&2
  ls "$out" >&2
  exit 1
fi
# a wheel of pure Python imports straight from the zip: no install, no site-packages (-S)
PYTHONPATH="$wheel" "$python" -S -c "import backend_lifecycle as b; assert b.__version__ == '$version', b.__version__; print('python package: backend_lifecycle', b.__version__, 'from', b.__file__)"
