import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import type { App } from 'electron';
import { BackendError, invalidOption } from '../errors.js';
import type { BackendSupervisorOptions } from '../options/options-types.js';
import { type BackendSupervisor, createBackendSupervisor } from '../supervisor.js';
import type { AssertFits } from './electron-like.js';

/** The parts of Electron's `app` used here: pass Electron's own `app`. */
export interface ElectronAppLike {
  getName(): string;
  getPath(name: 'userData' | 'logs'): string;
  readonly isPackaged: boolean;
  getAppPath(): string;
}

/** A name fit for log and lock files, from an app name such as "My App". */
function fileName(appName: string): string {
  const name = appName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'backend' : name;
}

/**
 * The per-app defaults of a supervisor in Electron: `name` from `app.getName()`, `stateDir` under
 * `app.getPath('userData')`, `logDir` at `app.getPath('logs')`. Two apps then never share lockfiles
 * or logs (with the package's defaults they would meet in the per-user temp folder).
 *
 * @example
 * const backend = createBackendSupervisor({ ...appBackendDefaults(app), command: 'python3', args: ['server.py'] });
 */
export function appBackendDefaults(app: ElectronAppLike): Required<Pick<BackendSupervisorOptions, 'name' | 'stateDir' | 'logDir'>> {
  return { name: fileName(app.getName()), stateDir: join(app.getPath('userData'), 'backend-lifecycle'), logDir: app.getPath('logs') };
}

/**
 * `createBackendSupervisor` with the app's own identity (see {@link appBackendDefaults}); options
 * given here win.
 *
 * @example
 * import { app } from 'electron';
 * const backend = createAppBackend(app, resolveBackendCommand({ app, resourcesPath: process.resourcesPath, dev, packaged }));
 */
export function createAppBackend(app: ElectronAppLike, options: BackendSupervisorOptions): BackendSupervisor {
  return createBackendSupervisor({ ...appBackendDefaults(app), ...options });
}

/** Where the backend is, in development and in the packaged app. */
export interface BackendLocation {
  /** Electron's `app`: `isPackaged` picks the case, `getAppPath()` is the default `cwd` in development. */
  app: Pick<ElectronAppLike, 'isPackaged' | 'getAppPath'>;
  /** `process.resourcesPath` (Electron sets it; plain Node has none). */
  resourcesPath: string | undefined;
  /** In development: the command as run from the source tree, e.g. `{ command: 'python3', args: ['backend/server.py'] }`. */
  dev: { command: string; args?: readonly string[]; cwd?: string };
  /**
   * In the packaged app: the executable, relative to `resourcesPath` (or absolute), without `.exe`
   * (added on Windows): a PyInstaller onefile build (`'server'`) or the executable in its onedir
   * folder (`'server/server'`). A path inside `app.asar` is taken from `app.asar.unpacked`.
   */
  packaged: { executable: string; args?: readonly string[]; cwd?: string };
  /** The system to resolve for (default: this one). */
  platform?: NodeJS.Platform;
}

const packagingHint = (resourcesPath: string) =>
  `add it to electron-builder's "extraResources" (or electron-forge's packagerConfig.extraResource) so that it is copied into ${resourcesPath}`;

/**
 * Resolves the backend's command for development and for the packaged app, and checks in the
 * packaged case that it exists and is executable: otherwise it throws `SPAWN_FAILED` naming the
 * path it looked for and the packaging step that is missing (a folder given instead of the
 * executable is `INVALID_OPTIONS`). Executables cannot run from inside `app.asar`: such a path is
 * taken from `app.asar.unpacked` (electron-builder's `asarUnpack`).
 *
 * @example
 * const command = resolveBackendCommand({
 *   app, resourcesPath: process.resourcesPath,
 *   dev: { command: 'python3', args: ['backend/server.py'] },
 *   packaged: { executable: 'server/server' },   // PyInstaller onedir: resources/server/server(.exe)
 * });
 * const backend = createAppBackend(app, command);
 */
export function resolveBackendCommand(location: BackendLocation): { command: string; args: string[]; cwd: string } {
  const { app, dev, packaged } = location;
  if (!app.isPackaged) return { command: dev.command, args: [...(dev.args ?? [])], cwd: dev.cwd ?? app.getAppPath() };
  const resourcesPath = location.resourcesPath;
  if (!isAbsolute(packaged.executable) && (resourcesPath === undefined || resourcesPath === '')) {
    throw invalidOption('resourcesPath', 'process.resourcesPath (Electron sets it in the main process)', resourcesPath);
  }
  const windows = (location.platform ?? process.platform) === 'win32';
  const named = windows && !/\.(exe|cmd|bat)$/i.test(packaged.executable) ? `${packaged.executable}.exe` : packaged.executable;
  const inAsar = `${sep}app.asar${sep}`;
  const path = (isAbsolute(named) ? named : join(resourcesPath as string, named)).replace(inAsar, `${sep}app.asar.unpacked${sep}`);
  const missing = (why: string) =>
    new BackendError({ code: 'SPAWN_FAILED', message: `Backend server failed to start - the packaged backend ${path} ${why}`, details: { path }, retryable: false });
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    const step = path.includes(`${sep}app.asar.unpacked${sep}`) ? `list it in electron-builder's "asarUnpack" so that it is unpacked next to app.asar` : packagingHint(resourcesPath ?? '');
    throw missing(`does not exist: nothing was put there when the app was packaged; ${step}`);
  }
  if (!isFile) {
    throw invalidOption('packaged.executable', 'the executable itself', packaged.executable, `${path} is a folder: name the executable inside it (a PyInstaller onedir build: "<folder>/<name>")`);
  }
  if (!windows) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      const mode = (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
      throw missing(`is not executable (mode ${mode}): packaging lost its execute bit; chmod +x it before packaging (and on macOS, sign it with the app)`);
    }
  }
  // a PyInstaller onedir build finds its files next to itself: start it in its own folder
  return { command: path, args: [...(packaged.args ?? [])], cwd: packaged.cwd ?? dirname(path) };
}

type Assert<T extends true> = T;
// Compile-time proof that Electron's own app fits (checked against electron's .d.ts).
export type ElectronAppFits = Assert<AssertFits<App, ElectronAppLike>>;
