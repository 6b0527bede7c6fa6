#!/usr/bin/env bash
# Packs the package and uses it as a stranger would: publint, attw, then an empty project that
# installs the tarball, type-checks an import and supervises the example backend through the bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cli_pid=""
cleanup() {
  if [ -n "$cli_pid" ] && kill -0 "$cli_pid" 2>/dev/null; then kill -INT -- "-$cli_pid" 2>/dev/null || kill -TERM "$cli_pid"; wait "$cli_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
npx --no-install publint "$tarball" --strict
npx --no-install attw "$tarball" --profile esm-only

mkdir "$work/consumer" && cd "$work/consumer"
npm init -y >/dev/null
# the electron package for its types only: its binary cannot be downloaded here
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm install --no-audit --no-fund --silent "$tarball" typescript@5.9 @types/node@20 electron@41 react@19 @types/react@19 @xstate/react@6
cat > check.ts <<'TS'
import { type BackendStatusInfo, BackendError, createBackendSupervisor } from 'backend-lifecycle';
const supervisor = createBackendSupervisor({ command: 'python3', args: ['server.py'] });
const status: BackendStatusInfo = supervisor.getStatus();
const port: number = supervisor.getPort();
export const seen: [string, number, boolean] = [status.phase, port, new BackendError({ code: 'SPAWN_FAILED', message: 'x' }) instanceof Error];
TS
cat > check-electron.ts <<'TS'
import { app, BrowserWindow, contextBridge, dialog, ipcMain, ipcRenderer } from 'electron';
import { createBackendSupervisor } from 'backend-lifecycle';
import { attachBackendToElectron, createAppBackend, IpcChannel, resolveBackendCommand } from 'backend-lifecycle/electron/main';
import { exposeBackendBridge } from 'backend-lifecycle/electron/preload';
import { createBackendClient } from 'backend-lifecycle/electron/renderer';
import { BackendProvider, useBackendPort, useBackendUrl } from 'backend-lifecycle/react';
export const hooks = [BackendProvider, useBackendPort, useBackendUrl];
const detach: () => void = attachBackendToElectron(createBackendSupervisor({ command: 'python3' }), { app, BrowserWindow, dialog, ipcMain, trustedOrigins: ['file://'] });
const client = createBackendClient(exposeBackendBridge({ contextBridge, ipcRenderer }));
export const used = [detach, client, IpcChannel.Backend_GetPort satisfies 'backend:get-port'];
// the packaged-app helpers with Electron's own app (process.resourcesPath is Electron's addition to process)
export const shipped = createAppBackend(app, resolveBackendCommand({ app, resourcesPath: process.resourcesPath, dev: { command: 'python3', args: ['server.py'] }, packaged: { executable: 'server/server' } }));
TS
# the renderer and React calls of docs/electron.md and docs/react.md in a page's world (DOM, window.backend),
# here against the installed tarball (test/docs/ compiles the snippets themselves against the checkout)
cat > check-renderer.tsx <<'TS'
import 'backend-lifecycle/electron/window';
import { createBackendClient } from 'backend-lifecycle/electron/renderer';
import { BackendProvider, useBackendClient } from 'backend-lifecycle/react';
declare function render(status: unknown): void;
export async function page(q: string) {
  const status = await window.backend.getStatus();
  const off = window.backend.onStatusChanged((s) => render(s));
  const client = createBackendClient(window.backend);
  const items: unknown = await (await client.fetch('/api/items')).json();
  const chat = await client.fetch('/api/chat', { method: 'POST', body: JSON.stringify({ q }) });
  const restarted = await window.backend.restart();
  return [status.port, off, items, chat.body, restarted.status, BackendProvider, useBackendClient];
}
TS
npx --no-install tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 --lib es2023,dom --jsx react-jsx --skipLibCheck check.ts check-electron.ts check-renderer.tsx
echo "types: the root export, the electron subpaths and the renderer calls of the docs (window.backend) type-check in a consumer"
node --input-type=module -e "
const main = await import('backend-lifecycle/electron/main');
const preload = await import('backend-lifecycle/electron/preload');
const renderer = await import('backend-lifecycle/electron/renderer');
await import('backend-lifecycle/electron/window');
const react = await import('backend-lifecycle/react');
if (typeof react.useBackendStatus !== 'function') process.exit(1);
if (typeof main.attachBackendToElectron !== 'function' || typeof preload.exposeBackendBridge !== 'function' || typeof renderer.createBackendClient !== 'function') process.exit(1);
console.log('plain node: backend-lifecycle/electron/{main,preload,renderer} and /react import (electron is never loaded at runtime)');
"

# execa and undici are bundled (scripts/bundle.mjs): the package must not depend on them nor
# import them by name (the consumer may have its own copies: electron's @electron/get brings undici), so
# the run below uses the bundled code; their licences ship beside it
node --input-type=module -e "
import { readFileSync, readdirSync } from 'node:fs';
const dir = 'node_modules/backend-lifecycle';
const { dependencies = {} } = JSON.parse(readFileSync(dir + '/package.json', 'utf8'));
const bundled = ['execa', 'undici'];
const listed = bundled.filter((name) => name in dependencies);
if (listed.length > 0) throw new Error('bundled, yet dependencies of the package: ' + listed.join(', '));
const byName = new RegExp('(from|import\\\\(|require\\\\()\\\\s*[\\\\x22\\\\x27](' + bundled.join('|') + ')([/\\\\x22\\\\x27])');
for (const file of readdirSync(dir + '/dist/bundle').filter((name) => name.endsWith('.js'))) {
  const found = byName.exec(readFileSync(dir + '/dist/bundle/' + file, 'utf8'));
  if (found) throw new Error(file + ' imports ' + found[2] + ' by name');
}
const licences = readFileSync(dir + '/dist/bundle/THIRD-PARTY-LICENSES.txt', 'utf8');
const missing = bundled.filter((name) => !new RegExp('^' + name + ' [0-9]', 'm').test(licences));
if (missing.length > 0) throw new Error('THIRD-PARTY-LICENSES.txt does not name ' + missing.join(', '));
"
echo "bundle: execa and undici inside dist/bundle (not dependencies, never imported by name), their licences in THIRD-PARTY-LICENSES.txt"

# the example backend and the Python companion it imports, as an app would ship them side by side
cp "$root/examples/python-backend/server.py" .
cp -r "$root/python/backend_lifecycle" .
# npx in a process group of its own, stopped the way a terminal's Ctrl-C does: SIGINT to the group
setsid npx --no-install backend-lifecycle run --json --port-base 39100 --log-dir "$work/logs" --state-dir "$work/state" -- python3 server.py > run.jsonl &
cli_pid=$!
for _ in $(seq 1 100); do
  grep -q '"status":"running"' run.jsonl 2>/dev/null && break
  sleep 0.1
done
grep -q '"status":"running"' run.jsonl || { echo "npx backend-lifecycle never reported running:"; cat run.jsonl; exit 1; }
backend_pid=$(grep '"status":"running"' run.jsonl | head -n 1 | grep -o '"pid":[0-9]*' | cut -d: -f2)
kill -INT -- "-$cli_pid"
for _ in $(seq 1 100); do
  tail -n 1 run.jsonl | grep -q '"status":"stopped"' && ! kill -0 "$backend_pid" 2>/dev/null && break
  sleep 0.1
done
wait "$cli_pid" || true
cli_pid=""
tail -n 1 run.jsonl | grep -q '"status":"stopped"' || { echo "npx backend-lifecycle did not end stopped"; tail -n 3 run.jsonl; exit 1; }
if kill -0 "$backend_pid" 2>/dev/null; then echo "the example backend (pid $backend_pid) outlived Ctrl-C"; exit 1; fi
echo "bin: npx backend-lifecycle run --json -- python3 server.py reached running and stopped on Ctrl-C (SIGINT to its group), nothing left"
