import { resolve } from 'node:path';
import type { RestartPolicy } from '../../machines/restart-policy.js';
import { defaultFolders } from '../disk/default-dirs.js';
import { invalidOption } from '../errors.js';
import type { BackendSupervisorOptions } from './options-types.js';
import { resolveFields } from './schema.js';
import { supervisorFields } from './supervisor-schema.js';
import { isPlainObject, refuseUnknownKeys } from './validate.js';

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
  refuseUnknownKeys(options, Object.keys(supervisorFields), '');
  const given = options as unknown as Record<string, unknown>;
  const resolved = resolveFields(supervisorFields, given, '') as Omit<ResolvedOptions, 'apiKey' | 'logDir' | 'stateDir'> & {
    auth: { apiKey?: string | false };
    logDir?: string;
    stateDir?: string;
  };
  const { name, health, auth, logDir, stateDir, allowExternal: _allowExternal, ...rest } = resolved as typeof resolved & { allowExternal: boolean };
  if (!isFileSafeName(name)) throw invalidOption('name', 'letters, digits, ".", "_" or "-" (it names log and lock files)', name);
  if (name.length > maxNameLength) throw invalidOption('name', '', name, tooLongName(name));
  // looked up only when needed: the fallback creates a folder
  const defaults = logDir === undefined || stateDir === undefined ? defaultFolders() : undefined;
  return {
    ...rest,
    name,
    // a backend may extend its start-up, never below the plain start-up timeout
    health: { ...health, maxStartupMs: Math.max(health.startupTimeoutMs, health.maxStartupMs) },
    apiKey: auth.apiKey,
    logDir: resolve(logDir ?? defaults?.logDir ?? ''),
    stateDir: resolve(stateDir ?? defaults?.stateDir ?? ''),
  };
}
