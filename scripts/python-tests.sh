#!/usr/bin/env bash
# The Python side: the companion's pytest suite, then the supervisor running the FastAPI example.
# Uses $BL_PYTHON, else Debian's /usr/bin/python3 (where apt-get puts fastapi, uvicorn, httpx and
# pytest), else python3 on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${BL_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi
fi
if ! "$python" -c 'import fastapi, uvicorn, httpx, pytest' 2>/dev/null; then
  echo "python tests: $python lacks fastapi, uvicorn, httpx or pytest (Debian: apt-get install -y python3-fastapi python3-uvicorn python3-httpx python3-pytest)" >&2
  exit 1
fi
echo "python tests: $("$python" --version) ($python)"
(cd python && "$python" -m pytest -q -p no:cacheprovider)
BL_PYTHON="$python" npx vitest run --config test/python/vitest.config.ts
