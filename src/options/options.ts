import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Observer } from 'xstate';
import { defaultRestartPolicy, type RestartPolicy } from '../../machines/restart-policy.js';
import { defaultFolders } from '../disk/default-dirs.js';
import { invalidOption } from '../errors.js';
import type { BackendSupervisorOptions } from './options-types.js';
import {
  booleanOption,
  integerOption,
  isPlainObject,
  environmentOption,
  ipVersion,
  objectOption,
  refuseNul,
  refuseUnknownKeys,
  stringArrayOption,
  stringOption,
} from './validate.js';

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** Merged over the inherited environment; `undefined` removes an inherited variable. */
  env: Record<string, string | undefined>;
  host: string;
  port: { base: number; attempts: number; fallback: 'any' | 'none' } | { fixed: number };
  health: { path: string; startupTimeoutMs: number; maxStartupMs: number; requestTimeoutMs: number; monitorIntervalMs: number; failureThreshold: number };
  shutdown: { graceMs: number; request?: { path: string; method: 'POST' | 'PUT' | 'DELETE'; waitMs: number } };
  restart: RestartPolicy;
  apiKey: string | false | undefined;
  logDir: string;
  stateDir: string;
  logMaxBytes: number;
  guard: boolean;
  /** Bind the listening socket here and hand it to the backend as fd 4 (POSIX). */
  handoff: boolean;
  inspect: BackendSupervisorOptions['inspect'];
  /** Variables only known at spawn time (a system's dependencies' ports and keys); not a user option. */
  linkedEnv?: () => Record<string, string>;
  /** Ports a range must skip (the fixed ports of a system's other services); not a user option. */
  excludedPorts?: readonly number[];
}

const topLevel = [
  'name', 'command', 'args', 'cwd', 'env', 'host', 'allowExternal', 'port', 'health',
  'shutdown', 'restart', 'auth', 'logDir', 'stateDir', 'logMaxBytes', 'guard', 'handoff', 'inspect',
] as const;
const day = 86_400_000;
const wildcardHosts = new Set(['0.0.0.0', '::']);

function resolveHost(value: unknown, allowExternal: unknown): string {
  const host = stringOption(value, 'host', '127.0.0.1');
  if (host === 'localhost') {
    throw invalidOption('host', 'an IP address such as "127.0.0.1" ("localhost" may resolve to ::1 while the backend listens on IPv4)', host);
  }
  if (/^\[.*\]$/.test(host) && ipVersion(host.slice(1, -1)) === 6) {
    throw invalidOption('host', `an IP address without brackets ("${host.slice(1, -1)}")`, host);
  }
  // a hostname may resolve to another address than the backend binds, and every bind error would read as "busy"
  if (ipVersion(host) === 0) throw invalidOption('host', 'an IP address such as "127.0.0.1" or "::1"', host);
  if (wildcardHosts.has(host) && allowExternal !== true) {
    throw invalidOption('host', 'a loopback address; a wildcard address exposes the backend to the network unless "allowExternal" is true', host);
  }
  return host;
}

function resolvePort(value: unknown): ResolvedOptions['port'] {
  if (typeof value === 'number') return { fixed: integerOption(value, 'port', 1, 65_535, 1733) };
  const port = objectOption(value, 'port', ['base', 'attempts', 'fallback']);
  const base = integerOption(port.base, 'port.base', 1, 65_535, 1733);
  const attempts = integerOption(port.attempts, 'port.attempts', 1, 65_536 - base, Math.min(100, 65_536 - base));
  const fallback = port.fallback ?? 'none';
  if (fallback !== 'any' && fallback !== 'none') throw invalidOption('port.fallback', '"any" (accept a port the system assigns) or "none"', fallback);
  return { base, attempts, fallback };
}

function resolveRestart(value: unknown): RestartPolicy {
  const known = ['maxRestarts', 'windowMs', 'initialDelayMs', 'maxDelayMs', 'noRestartExitCodes', 'identicalStartupCrashes'];
  const restart = objectOption(value, 'restart', known);
  const d = defaultRestartPolicy;
  const initialDelayMs = integerOption(restart.initialDelayMs, 'restart.initialDelayMs', 0, day, d.initialDelayMs);
  const codes = restart.noRestartExitCodes ?? [];
  if (!Array.isArray(codes) || codes.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw invalidOption('restart.noRestartExitCodes', 'an array of exit codes from 0 to 255', codes);
  }
  return {
    maxRestarts: integerOption(restart.maxRestarts, 'restart.maxRestarts', 0, 1000, d.maxRestarts),
    windowMs: integerOption(restart.windowMs, 'restart.windowMs', 1, day, d.windowMs),
    initialDelayMs,
    maxDelayMs: integerOption(restart.maxDelayMs, 'restart.maxDelayMs', initialDelayMs, day, Math.max(initialDelayMs, d.maxDelayMs)),
    noRestartExitCodes: codes as number[],
    identicalStartupCrashes: integerOption(restart.identicalStartupCrashes, 'restart.identicalStartupCrashes', 0, 1000, d.identicalStartupCrashes),
  };
}

function resolveShutdown(shutdown: Record<string, unknown>): ResolvedOptions['shutdown'] {
  const graceMs = integerOption(shutdown.graceMs, 'shutdown.graceMs', 0, day, 5_000);
  if (shutdown.request === undefined) return { graceMs };
  const request = objectOption(shutdown.request, 'shutdown.request', ['path', 'method', 'waitMs']);
  const path = stringOption(request.path, 'shutdown.request.path', '');
  if (!path.startsWith('/')) throw invalidOption('shutdown.request.path', 'a path starting with "/" (e.g. "/api/shutdown")', request.path);
  const method = request.method ?? 'POST';
  if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE') throw invalidOption('shutdown.request.method', '"POST", "PUT" or "DELETE"', method);
  const waitMs = integerOption(request.waitMs, 'shutdown.request.waitMs', 0, graceMs, Math.floor(graceMs / 2));
  return { graceMs, request: { path, method, waitMs } };
}

function resolveApiKey(value: unknown): string | false | undefined {
  const auth = objectOption(value, 'auth', ['apiKey']);
  const key = auth.apiKey;
  if (key === undefined || key === false) return key;
  if (typeof key !== 'string' || key.length < 16 || /[\s\0]/.test(key)) {
    throw invalidOption('auth.apiKey', 'undefined (a fresh random key), false (no key) or a string of at least 16 characters without spaces or NUL bytes', '(hidden)');
  }
  return key;
}

function resolveCwd(value: unknown): string {
  const cwd = resolve(stringOption(value, 'cwd', process.cwd()));
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw invalidOption('cwd', 'an existing directory', cwd);
  return cwd;
}

function resolveHandoff(value: unknown, args: readonly string[]): boolean {
  const handoff = booleanOption(value, 'handoff', false);
  // (the socket module itself loads with the first start: importing the package must not pay for node:net)
  if (handoff && process.platform === 'win32') {
    throw invalidOption('handoff', 'false on Windows (a listening socket cannot be handed to a backend as an fd there)', handoff);
  }
  if (!handoff && args.some((arg) => arg.includes('{fd}'))) {
    throw invalidOption('args', 'no "{fd}" unless "handoff" is true (it stands for the handed-over socket)', args);
  }
  return handoff;
}

function resolveInspect(value: unknown): ResolvedOptions['inspect'] {
  if (value === undefined || typeof value === 'function') return value as ResolvedOptions['inspect'];
  if (isPlainObject(value) && typeof value.next === 'function') return value as Observer<never> as ResolvedOptions['inspect'];
  throw invalidOption('inspect', 'an inspection function or observer (e.g. createBrowserInspector().inspect)', value);
}

/** The longest name: lock and log files add about 60 characters to it, and a file name holds 255 bytes. */
export const maxNameLength = 128;

/** Why `name` is too long, naming its start and its length. */
export const tooLongName = (name: string): string =>
  `"${name.slice(0, 24)}…" has ${name.length} characters, too many for the log and lock files it names; use at most ${maxNameLength}`;

/** True for a name fit for log and lock files (and for a system's service names): letters, digits, `.`, `_`, `-`. */
export const isFileSafeName = (name: string): boolean => /^[A-Za-z0-9._-]+$/.test(name);

/** Validates user options once, at creation, with messages that name the option and the value. */
export function resolveOptions(options: BackendSupervisorOptions): ResolvedOptions {
  if (!isPlainObject(options)) throw invalidOption('options', 'an object with at least "command"', options);
  refuseUnknownKeys(options, topLevel, '');
  if (typeof options.command !== 'string' || options.command.trim() === '') {
    throw invalidOption('command', 'the backend executable as a non-empty string (e.g. "python3")', options.command);
  }
  refuseNul(options.command, 'command');
  const health = objectOption(options.health, 'health', ['path', 'startupTimeoutMs', 'maxStartupMs', 'requestTimeoutMs', 'monitorIntervalMs', 'failureThreshold']);
  const path = stringOption(health.path, 'health.path', '/api/health');
  if (!path.startsWith('/')) throw invalidOption('health.path', 'a path starting with "/"', path);
  const shutdown = objectOption(options.shutdown, 'shutdown', ['graceMs', 'request']);
  const name = stringOption(options.name, 'name', 'backend');
  if (!isFileSafeName(name)) throw invalidOption('name', 'letters, digits, ".", "_" or "-" (it names log and lock files)', name);
  if (name.length > maxNameLength) throw invalidOption('name', '', name, tooLongName(name));
  const startupTimeoutMs = integerOption(health.startupTimeoutMs, 'health.startupTimeoutMs', 1, day, 30_000);
  const args = stringArrayOption(options.args, 'args');
  // looked up only when needed: the fallback creates a folder
  const defaults = options.logDir === undefined || options.stateDir === undefined ? defaultFolders() : undefined;
  return {
    name,
    command: options.command,
    args,
    cwd: resolveCwd(options.cwd),
    env: environmentOption(options.env, 'env'),
    host: resolveHost(options.host, options.allowExternal),
    port: resolvePort(options.port),
    health: {
      path,
      startupTimeoutMs,
      maxStartupMs: Math.max(startupTimeoutMs, integerOption(health.maxStartupMs, 'health.maxStartupMs', 1, day, 300_000)),
      requestTimeoutMs: integerOption(health.requestTimeoutMs, 'health.requestTimeoutMs', 1, day, 2_000),
      monitorIntervalMs: integerOption(health.monitorIntervalMs, 'health.monitorIntervalMs', 1, day, 5_000),
      failureThreshold: integerOption(health.failureThreshold, 'health.failureThreshold', 1, 1000, 3),
    },
    shutdown: resolveShutdown(shutdown),
    restart: resolveRestart(options.restart),
    apiKey: resolveApiKey(options.auth),
    logDir: resolve(stringOption(options.logDir, 'logDir', defaults?.logDir ?? '')),
    stateDir: resolve(stringOption(options.stateDir, 'stateDir', defaults?.stateDir ?? '')),
    logMaxBytes: integerOption(options.logMaxBytes, 'logMaxBytes', 1024, 2 ** 40, 10 * 1024 * 1024),
    guard: booleanOption(options.guard, 'guard', false),
    handoff: resolveHandoff(options.handoff, args),
    inspect: resolveInspect(options.inspect),
  };
}
