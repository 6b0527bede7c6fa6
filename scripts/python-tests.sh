#!/usr/bin/env bash
# The Python side: the companion's pytest suite, then the supervisor running the FastAPI example.
# The interpreter: $BL_PYTHON, else Debian's /usr/bin/python3 (where apt-get puts fastapi, uvicorn,
# httpx and pytest), else python3 on PATH. What it lacks is skipped with one line naming the
# missing tool and how to install it, and the rest still runs (the companion's core needs only the
# standard library), so that `npm test` passes on a machine as it comes. BL_REQUIRE_ALL=1 (.ci/run)
# turns every skip into a failure. A BL_PYTHON that cannot be run fails at once.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${BL_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi
fi
if ! command -v "$python" >/dev/null 2>&1 && [ -n "${BL_PYTHON:-}" ]; then
  # an interpreter named on purpose that is not there is a mistake, not a bare machine
  echo "python tests: FAILED: BL_PYTHON=$BL_PYTHON is not an interpreter that can be run" >&2
  exit 1
fi
if ! command -v "$python" >/dev/null 2>&1; then
  echo "python tests: SKIPPED all: no Python interpreter \"$python\" (install: apt-get install -y python3; or set BL_PYTHON)" >&2
  [ "${BL_REQUIRE_ALL:-}" = 1 ] && exit 1
  exit 0
fi
echo "python tests: $("$python" --version 2>&1) ($python; BL_PYTHON=/path/to/python chooses another)"

skipped=0
skip() {
  echo "python tests: SKIPPED $1" >&2
  skipped=$((skipped + 1))
}
lacks() {
  local missing=""
  for module in "$@"; do "$python" -c "import $module" 2>/dev/null || missing="$missing $module"; done
  echo "${missing# }"
}
debian_packages() { sed -e 's/\([a-z]*\)/python3-\1/g' <<<"$1"; }
pip_extra="pip install './python[test]'"

missing_pytest=$(lacks pytest)
missing_web=$(lacks fastapi uvicorn httpx)
if [ -n "$missing_pytest" ]; then
  skip "pytest: $python has no pytest (install: apt-get install -y python3-pytest, or $pip_extra); the suite runs through tests/run_without_pytest.py, a stand-in for the part of pytest it uses"
  (cd python && "$python" tests/run_without_pytest.py)
else
  if [ -n "$missing_web" ]; then
    skip "the companion's FastAPI/uvicorn tests: $python lacks $missing_web (install: apt-get install -y $(debian_packages "$missing_web"), or $pip_extra)"
  fi
  (cd python && "$python" -m pytest -q -p no:cacheprovider -rs)
fi

missing_example=$(lacks fastapi uvicorn)
if [ -n "$missing_example" ]; then
  skip "the FastAPI example under the supervisor: $python lacks $missing_example (install: apt-get install -y $(debian_packages "$missing_example"), or $pip_extra)"
else
  BL_PYTHON="$python" npx vitest run --config test/python/vitest.config.ts
fi

if [ "$skipped" -gt 0 ] && [ "${BL_REQUIRE_ALL:-}" = 1 ]; then
  echo "python tests: FAILED: $skipped part(s) skipped, and BL_REQUIRE_ALL=1 requires every suite to run" >&2
  exit 1
fi
