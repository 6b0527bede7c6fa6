import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appBackendDefaults, createAppBackend, resolveBackendCommand } from '../../src/electron/main.js';
import { markerEnv, fixture, portRange, supervise, tempDir } from '../helpers/supervisor.js';

/** Electron's app as a packaged (or development) build of "My App" sees itself. */
function fakeApp(root: string, isPackaged: boolean, name = 'My App') {
  return {
    isPackaged,
    getName: () => name,
    getAppPath: () => join(root, 'resources', 'app.asar'),
    getPath: (which: 'userData' | 'logs') => join(root, which === 'userData' ? 'user-data' : 'user-logs'),
  };
}

/** A stand-in for a PyInstaller build: an executable that runs a fixture backend. */
function plantExecutable(path: string, mode = 0o755): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${fixture('healthy.mjs')}"\n`);
  chmodSync(path, mode);
}

const thrown = (run: () => unknown): { code?: string; message?: string } => {
  try {
    run();
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error('expected it to throw');
};

describe('resolveBackendCommand: the backend in development and in the packaged app', () => {
  it('in development, the command from the source tree, run in the app folder', () => {
    const root = tempDir('app');
    const resolved = resolveBackendCommand({ app: fakeApp(root, false), resourcesPath: undefined, dev: { command: 'python3', args: ['backend/server.py'] }, packaged: { executable: 'server' } });
    expect(resolved).toEqual({ command: 'python3', args: ['backend/server.py'], cwd: join(root, 'resources', 'app.asar') });
  });

  it('packaged: a PyInstaller onefile or onedir executable in the resources folder, started for real', async () => {
    const root = tempDir('app');
    const resources = join(root, 'resources');
    plantExecutable(join(resources, 'server'));
    plantExecutable(join(resources, 'bundle', 'server'));
    const app = fakeApp(root, true);
    const onefile = resolveBackendCommand({ app, resourcesPath: resources, dev: { command: 'python3' }, packaged: { executable: 'server', args: ['--serve'] } });
    expect(onefile).toEqual({ command: join(resources, 'server'), args: ['--serve'], cwd: resources });
    const onedir = resolveBackendCommand({ app, resourcesPath: resources, dev: { command: 'python3' }, packaged: { executable: 'bundle/server' } });
    expect(onedir).toEqual({ command: join(resources, 'bundle', 'server'), args: [], cwd: join(resources, 'bundle') });
    const { supervisor } = supervise('healthy.mjs', onedir);
    expect((await supervisor.start()).status).toBe('running');
    await supervisor.stop();
  });

  it('packaged: what is missing is SPAWN_FAILED naming the path and the packaging step; a folder is INVALID_OPTIONS', () => {
    const root = tempDir('app');
    const resources = join(root, 'resources');
    mkdirSync(join(resources, 'bundle'), { recursive: true });
    const app = fakeApp(root, true);
    const resolve = (executable: string) => () => resolveBackendCommand({ app, resourcesPath: resources, dev: { command: 'python3' }, packaged: { executable } });
    expect(thrown(resolve('server'))).toMatchObject({
      code: 'SPAWN_FAILED',
      message: `Backend server failed to start - the packaged backend ${join(resources, 'server')} does not exist: nothing was put there when the app was packaged; add it to electron-builder's "extraResources" (or electron-forge's packagerConfig.extraResource) so that it is copied into ${resources}`,
    });
    expect(thrown(resolve('bundle'))).toMatchObject({
      code: 'INVALID_OPTIONS',
      message: `Invalid option "packaged.executable": ${join(resources, 'bundle')} is a folder: name the executable inside it (a PyInstaller onedir build: "<folder>/<name>")`,
    });
    const withoutResources = () => resolveBackendCommand({ app, resourcesPath: undefined, dev: { command: 'python3' }, packaged: { executable: 'server' } });
    expect(thrown(withoutResources)).toMatchObject({ code: 'INVALID_OPTIONS', message: 'Invalid option "resourcesPath": expected process.resourcesPath (Electron sets it in the main process), got undefined' });
  });

  it('packaged: an executable inside app.asar is taken from app.asar.unpacked, and asarUnpack is named when it is not there', () => {
    const root = tempDir('app');
    const resources = join(root, 'resources');
    const app = fakeApp(root, true);
    const resolve = () => resolveBackendCommand({ app, resourcesPath: resources, dev: { command: 'python3' }, packaged: { executable: 'app.asar/backend/server' } });
    expect(thrown(resolve)).toMatchObject({
      code: 'SPAWN_FAILED',
      message: `Backend server failed to start - the packaged backend ${join(resources, 'app.asar.unpacked', 'backend', 'server')} does not exist: nothing was put there when the app was packaged; list it in electron-builder's "asarUnpack" so that it is unpacked next to app.asar`,
    });
    plantExecutable(join(resources, 'app.asar.unpacked', 'backend', 'server'));
    expect(resolve().command).toBe(join(resources, 'app.asar.unpacked', 'backend', 'server'));
  });

  // even root may execute only a file with an execute bit, so this holds as root too
  it('packaged: an executable that lost its execute bit is SPAWN_FAILED with its mode', () => {
    const root = tempDir('app');
    const resources = join(root, 'resources');
    plantExecutable(join(resources, 'server'), 0o644);
    expect(thrown(() => resolveBackendCommand({ app: fakeApp(root, true), resourcesPath: resources, dev: { command: 'python3' }, packaged: { executable: 'server' } }))).toMatchObject({
      code: 'SPAWN_FAILED',
      message: `Backend server failed to start - the packaged backend ${join(resources, 'server')} is not executable (mode 0644): packaging lost its execute bit; chmod +x it before packaging (and on macOS, sign it with the app)`,
    });
  });

  it('packaged for Windows: .exe is added, and no execute bit is asked for', () => {
    const root = tempDir('app');
    const resources = join(root, 'resources');
    plantExecutable(join(resources, 'server.exe'), 0o644);
    const resolved = resolveBackendCommand({ app: fakeApp(root, true), resourcesPath: resources, dev: { command: 'python' }, packaged: { executable: 'server' }, platform: 'win32' });
    expect(resolved.command).toBe(join(resources, 'server.exe'));
  });
});

describe('per-app identity in Electron', () => {
  it('name, state and log folders come from the app, so two apps never share lockfiles or logs', async () => {
    const root = tempDir('app');
    expect(appBackendDefaults(fakeApp(root, true, 'My App'))).toEqual({ name: 'my-app', stateDir: join(root, 'user-data', 'backend-lifecycle'), logDir: join(root, 'user-logs') });
    expect(appBackendDefaults(fakeApp(root, true, 'Other')).name).toBe('other');
    expect(appBackendDefaults(fakeApp(root, true, '★★')).name).toBe('backend');
    const backend = createAppBackend(fakeApp(root, true), { command: process.execPath, args: [fixture('healthy.mjs')], port: portRange(), env: markerEnv, shutdown: { graceMs: 500 } });
    try {
      await backend.start();
      expect(readdirSync(join(root, 'user-data', 'backend-lifecycle')).some((file) => file.startsWith('my-app.') && file.endsWith('.lock.json'))).toBe(true);
      expect(readdirSync(join(root, 'user-logs')).some((file) => file.startsWith('my-app-'))).toBe(true);
    } finally {
      await backend.stop();
    }
    expect(existsSync(join(root, 'user-data', 'backend-lifecycle'))).toBe(true);
  });
});
