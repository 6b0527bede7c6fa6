import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultRestartPolicy as restart } from '../../machines/restart-policy.js';
import type { InspectionEvent, Observer } from 'xstate';
import { invalidOption } from '../errors.js';
import type { BackendSupervisorOptions } from './options-types.js';
import { custom, type OptionFields, type OptionSpec, resolveFields } from './schema.js';
import { booleanOption, integerOption, ipVersion, isPlainObject, objectOption, refuseNul, stringOption } from './validate.js';

const day = 86_400_000;
const wildcardHosts = new Set(['0.0.0.0', '::']);
const ms = (doc: string, fallback: number, min = 1) => ({ type: 'integer', min, max: day, default: fallback, doc }) as const satisfies OptionSpec;

function checkHost(given: unknown, name: string, siblings: Record<string, unknown>): string {
  const host = stringOption(given, name, '127.0.0.1');
  if (host === 'localhost') {
    throw invalidOption(name, 'an IP address such as "127.0.0.1" ("localhost" may resolve to ::1 while the backend listens on IPv4)', host);
  }
  if (/^\[.*\]$/.test(host) && ipVersion(host.slice(1, -1)) === 6) throw invalidOption(name, `an IP address without brackets ("${host.slice(1, -1)}")`, host);
  // a hostname may resolve to another address than the backend binds, and every bind error would read as "busy"
  if (ipVersion(host) === 0) throw invalidOption(name, 'an IP address such as "127.0.0.1" or "::1"', host);
  if (wildcardHosts.has(host) && siblings.allowExternal !== true) {
    throw invalidOption(name, 'a loopback address; a wildcard address exposes the backend to the network unless "allowExternal" is true', host);
  }
  return host;
}

function checkCwd(given: unknown, name: string): string {
  const cwd = resolve(stringOption(given, name, process.cwd()));
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw invalidOption(name, 'an existing directory', cwd);
  return cwd;
}

function checkApiKey(key: unknown, name: string): string | false | undefined {
  if (key === undefined || key === false) return key;
  if (typeof key !== 'string' || key.length < 16 || /[\s\0]/.test(key)) {
    throw invalidOption(name, 'undefined (a fresh random key), false (no key) or a string of at least 16 characters without spaces or NUL bytes', '(hidden)');
  }
  return key;
}

function checkExitCodes(given: unknown, name: string): number[] {
  const codes = given ?? [];
  if (!Array.isArray(codes) || codes.some((code) => !Number.isInteger(code) || code < 0 || code > 255)) throw invalidOption(name, 'an array of exit codes from 0 to 255', codes);
  return codes as number[];
}

function checkCommand(command: unknown, name: string): string {
  if (typeof command !== 'string' || command.trim() === '') throw invalidOption(name, 'the backend executable as a non-empty string (e.g. "python3")', command);
  return refuseNul(command, name);
}

function checkPort(given: unknown, name: string): { base: number; attempts: number; fallback: 'any' | 'none' } | { fixed: number } {
  if (typeof given === 'number') return { fixed: integerOption(given, name, 1, 65_535, 1733) };
  const range = resolveFields(portRangeFields, objectOption(given, name, Object.keys(portRangeFields)), `${name}.`);
  return range as { base: number; attempts: number; fallback: 'any' | 'none' };
}

function checkHandoff(given: unknown, name: string, siblings: Record<string, unknown>): boolean {
  const handoff = booleanOption(given, name, false);
  // (the socket module itself loads with the first start: importing the package must not pay for node:net)
  if (handoff && process.platform === 'win32') {
    throw invalidOption(name, 'false on Windows (a listening socket cannot be handed to a backend as an fd there)', handoff);
  }
  const args = siblings.args as readonly string[];
  if (!handoff && args.some((arg) => arg.includes('{fd}'))) throw invalidOption('args', 'no "{fd}" unless "handoff" is true (it stands for the handed-over socket)', args);
  return handoff;
}

function checkInspect(given: unknown, name: string): unknown {
  if (given === undefined || typeof given === 'function') return given;
  if (isPlainObject(given) && typeof given.next === 'function') return given;
  throw invalidOption(name, 'an inspection function or observer (e.g. createBrowserInspector().inspect)', given);
}

/** `port.base` and `port.attempts`: a range inside 1–65535. */
export const portRangeFields = {
  base: { type: 'integer', min: 1, max: 65_535, default: 1733, doc: 'The first port tried.' },
  attempts: {
    type: 'integer',
    min: 1,
    max: (port) => 65_536 - (port.base as number),
    maxText: '65536 − base',
    default: (port) => Math.min(100, 65_536 - (port.base as number)),
    defaultText: '`100`',
    doc: 'How many ports from `base` on are tried.',
  },
  fallback: {
    type: 'enum',
    values: ['none', 'any'],
    expected: '"any" (accept a port the system assigns) or "none"',
    default: 'none',
    doc: '`any` accepts a port the system assigns when no port of the range can be bound; `none` fails with PORT_UNAVAILABLE.',
  },
} as const satisfies OptionFields;

/**
 * The options of `createBackendSupervisor`, each declared once: the order is the order of the
 * checks and of the docs table. `command`, `name`, `port`, `logDir`, `stateDir` and `handoff`
 * have rules beside the table (in `options.ts`): required, file-safe, a number or a range, a
 * default folder, and no `{fd}` without handoff.
 */
export const supervisorFields = {
  name: { type: 'string', default: 'backend', doc: 'Names log and lock files (letters, digits, `.`, `_`, `-`; at most 128); supervisors sharing a `stateDir` need distinct names.' },
  command: custom<string>()({ type: 'custom', required: true, typeText: 'string', json: { type: 'string', minLength: 1 }, check: checkCommand, doc: 'The backend executable, e.g. `python3`; looked up on PATH.' }),
  args: { type: 'strings', doc: 'Arguments; `{port}`, `{host}` (and `{fd}` with `handoff`) are replaced.' },
  cwd: custom<string>()({ type: 'custom', typeText: 'string', json: { type: 'string', minLength: 1 }, check: checkCwd, defaultText: 'the current directory', doc: 'Working directory of the backend; must exist.' }),
  env: { type: 'env', doc: 'Variables merged over the inherited environment; `undefined` removes one.' },
  host: custom<string>()({ type: 'custom', typeText: 'string', json: { type: 'string', minLength: 1, default: '127.0.0.1' }, check: checkHost, defaultText: "`'127.0.0.1'`", doc: 'The IP address the backend binds (`localhost` is refused: the IPv6 `::1` trap).' }),
  allowExternal: { type: 'boolean', default: false, doc: 'Permits a wildcard `host` (`0.0.0.0`, `::`), which exposes the backend to the network.' },
  port: custom<number | { base?: number; attempts?: number; fallback?: 'any' | 'none' }>()({
    type: 'custom',
    typeText: 'integer \\| object',
    json: { oneOf: [{ type: 'integer', minimum: 1, maximum: 65_535 }, { type: 'object', additionalProperties: false, properties: { base: { type: 'integer', minimum: 1, maximum: 65_535, default: 1733 }, attempts: { type: 'integer', minimum: 1, maximum: 65_535, default: 100 }, fallback: { enum: ['none', 'any'], default: 'none' } } }] },
    check: checkPort,
    defaultText: '`{ base: 1733, attempts: 100 }`',
    doc: 'A fixed port (1–65535), or a range `{ base, attempts, fallback }` (rows below).',
  }),
  health: {
    type: 'object',
    doc: 'How readiness and liveness are checked.',
    fields: {
      path: { type: 'string', default: '/api/health', startsWith: { prefix: '/', expected: 'a path starting with "/"' }, doc: 'The health endpoint; any 2xx answer counts as healthy.' },
      startupTimeoutMs: ms('How long the backend may take to become healthy.', 30_000),
      maxStartupMs: ms('The most a backend may extend its start-up with `EXTEND_TIMEOUT_USEC=`, counted from the launch (at least `startupTimeoutMs`).', 300_000),
      requestTimeoutMs: ms('Timeout of one health request.', 2_000),
      monitorIntervalMs: ms('Interval of liveness checks while running.', 5_000),
      failureThreshold: { type: 'integer', min: 1, max: 1000, default: 3, doc: 'Failed checks in a row that mark the backend unhealthy.' },
    },
  },
  shutdown: {
    type: 'object',
    doc: 'SIGTERM to the process group, then SIGKILL after `graceMs`.',
    fields: {
      graceMs: ms('How long the backend may take to exit before SIGKILL.', 5_000, 0),
      request: {
        type: 'object',
        optional: true,
        doc: 'A stop request the backend opts into, sent with the API key before any signal (a failed or non-2xx answer sends SIGTERM at once).',
        fields: {
          path: { type: 'string', required: true, startsWith: { prefix: '/', expected: 'a path starting with "/" (e.g. "/api/shutdown")' }, doc: 'The path of the stop request, e.g. `/api/shutdown` (required with `request`).' },
          method: { type: 'enum', values: ['POST', 'PUT', 'DELETE'], expected: '"POST", "PUT" or "DELETE"', default: 'POST', doc: 'Its HTTP method.' },
          waitMs: {
            type: 'integer',
            min: 0,
            max: (request) => request.graceMs as number,
            maxText: 'graceMs',
            default: (request) => Math.floor((request.graceMs as number) / 2),
            defaultText: 'half of `graceMs`',
            doc: 'How long the backend may take to exit after the request before SIGTERM.',
          },
        },
      },
    },
  },
  restart: {
    type: 'object',
    doc: 'Automatic restarts after a crash or failed liveness (see `RestartPolicy`).',
    fields: {
      maxRestarts: { type: 'integer', min: 0, max: 1000, default: restart.maxRestarts, doc: 'Restarts allowed within `windowMs`.' },
      windowMs: ms('The window that `maxRestarts` counts in.', restart.windowMs),
      initialDelayMs: ms('Delay before the first restart; doubles per restart.', restart.initialDelayMs, 0),
      maxDelayMs: {
        type: 'integer',
        min: (policy) => policy.initialDelayMs as number,
        minText: 'initialDelayMs',
        max: day,
        default: (policy) => Math.max(policy.initialDelayMs as number, restart.maxDelayMs),
        defaultText: `\`${restart.maxDelayMs}\``,
        doc: 'The longest delay between restarts.',
      },
      noRestartExitCodes: custom<readonly number[]>()({ type: 'custom', typeText: 'integer[]', json: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } }, check: checkExitCodes, defaultText: '`[]`', doc: 'Exit codes after which the backend is not restarted.' }),
      identicalStartupCrashes: { type: 'integer', min: 0, max: 1000, default: restart.identicalStartupCrashes, doc: 'Start-up crashes in a row that end the same way after which the crash is final (0 = always retry).' },
    },
  },
  auth: {
    type: 'object',
    doc: 'The API key the backend receives.',
    fields: {
      apiKey: custom<string | false>()({
        type: 'custom',
        typeText: 'string \\| false',
        json: { oneOf: [{ type: 'string', minLength: 16, pattern: '^\\S+$' }, { const: false }] },
        check: checkApiKey,
        defaultText: 'a fresh random key',
        doc: 'Unset: a fresh random 256-bit key per supervisor; `false`: none; or your own (16+ characters, no spaces).',
      }),
    },
  },
  logDir: { type: 'string', defaultText: '`backend-lifecycle/logs` in `$XDG_RUNTIME_DIR` or the cache folder', doc: 'Folder of the per-launch backend logs.' },
  stateDir: { type: 'string', defaultText: '`backend-lifecycle/state` beside the logs', doc: 'Folder of the lockfiles that reap orphans of a crashed supervisor.' },
  logMaxBytes: { type: 'integer', min: 1024, max: 2 ** 40, default: 10 * 1024 * 1024, doc: 'Size cap of one launch log; past it the file rotates to `.1`.' },
  guard: { type: 'boolean', default: false, doc: 'A guard process per backend stops its group if this supervisor dies without stopping it.' },
  handoff: custom<boolean>()({ type: 'custom', typeText: 'boolean', json: { type: 'boolean', default: false }, check: checkHandoff, defaultText: '`false`', doc: 'POSIX: the supervisor binds the port and hands the listening socket to the backend as fd 4 (`BACKEND_LISTEN_FD`, `{fd}`).' }),
  inspect: custom<Observer<InspectionEvent> | ((event: InspectionEvent) => void)>()({ type: 'custom', typeText: 'function \\| Observer', json: {}, check: checkInspect, doc: 'XState inspection observer, e.g. `createBrowserInspector().inspect`; not in system files.' }),
} as const satisfies Record<keyof BackendSupervisorOptions, OptionSpec>;
