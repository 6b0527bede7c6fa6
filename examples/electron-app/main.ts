// The Electron main process of the example app: supervises the example Python backend.
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { attachBackendToElectron, createAppBackend, resolveBackendCommand } from 'backend-lifecycle/electron/main';

const here = __dirname;
// in development the Python source; packaged, a PyInstaller onedir build copied by extraResources
// (electron-builder: "extraResources": [{ "from": "backend/dist/server", "to": "server" }])
const command = resolveBackendCommand({
  app,
  resourcesPath: process.resourcesPath,
  dev: { command: 'python3', args: [join(here, '..', '..', 'python-backend', 'server.py')] },
  packaged: { executable: 'server/server' },
});
// name, state and log folders from the app itself: two apps never share lockfiles or logs
const backend = createAppBackend(app, { ...command, shutdown: { request: { path: '/api/shutdown' } } });

attachBackendToElectron(backend, {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  trustedOrigins: ['file://'],
  execute: { commands: ['echo', 'sum'] },
});

// E2E runs (test/e2e) quit as soon as the backend is running, after printing its status.
if (process.env.BACKEND_LIFECYCLE_E2E === '1') {
  backend.subscribe((status) => {
    console.log(`E2E ${JSON.stringify(status)}`);
    if (status.status === 'running') setTimeout(() => app.quit(), 500);
  });
}

function openWindow(): void {
  const window = new BrowserWindow({
    width: 720,
    height: 520,
    title: 'backend-lifecycle example',
    // the preload is bundled into one file, so the renderer keeps the sandbox and context isolation
    webPreferences: { preload: join(here, 'preload.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  void window.loadFile(join(here, 'index.html'));
}

app.whenReady().then(() => {
  openWindow();
  backend.start().catch(() => {
    // the failure dialog (attachBackendToElectron) has told the user; the window shows the status
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
