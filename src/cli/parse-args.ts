import { parseArgs } from 'node:util';
import type { BackendSupervisorOptions } from '../options/options-types.js';

/** What `backend-lifecycle run` was asked to do. */
export interface RunCommand {
  options: BackendSupervisorOptions;
  json: boolean;
  /** Serve the offline inspector page on 127.0.0.1 (port 0 = any free port). */
  ui?: { port: number };
  /** Append XState inspection events to this file as JSON lines. */
  inspectLog?: string;
  /** `--write-env-file`: BACKEND_URL, BACKEND_PORT and BACKEND_API_KEY in this 0600 file while the backend runs (not `--env-file`: Node 20 takes that flag for itself wherever it stands). */
  envFile?: string;
  /** Write the supervisor's report (secrets redacted) to this file on exit. */
  report?: string;
}

/** What `backend-lifecycle up` was asked to do. */
export interface UpCommand {
  /** The system file (JSON). */
  file: string;
  json: boolean;
  /** One inspector page per service on 127.0.0.1, from this port on (0 = any free ports). */
  ui?: { port: number };
  inspectLog?: string;
  /** Write the system's report (secrets redacted) to this file on exit. */
  report?: string;
  /** Print the start-up's critical chain (slowest first) to stderr once every service runs. */
  timings?: boolean;
}

export const usage = `Usage: backend-lifecycle run [options] -- <command> [args...]
       backend-lifecycle up [--json] [--ui [--ui-port N]] [--inspect-log FILE] [--report FILE] [--timings] <system.yaml|json>

Supervises <command> as a local backend: finds a free port, starts it, waits until its health
endpoint answers, restarts it when it crashes, and stops it gracefully on Ctrl-C.
'{port}' and '{host}' in args are replaced; the backend also gets BACKEND_PORT, BACKEND_HOST,
BACKEND_API_KEY, BACKEND_INSTANCE_ID, BACKEND_PARENT_PID and BACKEND_NOTIFY_FD in its environment.
Once it runs, the status line shows the base URL (http://127.0.0.1:<port>); routes other than
the health check need the key as X-API-Key: --write-env-file puts it where a shell can read it.
SIGINT, SIGTERM, SIGHUP (and on Windows Ctrl-Break and closing the console) stop the backend
gracefully; exit 0. Exit 1: the backend cannot be (re)started any more (one line on stderr names
the cause and the log file). Exit 2: bad usage or setup. Through npm (npm start, npm exec/npx),
Ctrl-C makes npm itself exit 130 (SIGTERM: 143) after our graceful stop; the other codes pass through.

Options:
  --name NAME              names the log and lock files (default "backend"); give each app its own
  --host H                 interface to bind (default 127.0.0.1)
  --port N                 a fixed port (fails if taken)
  --port-base N            first port to try (default 1733)
  --port-attempts N        how many ports to try (default 100)
  --health-path P          health endpoint (default /api/health)
  --startup-timeout-ms N   time allowed to become healthy (default 30000)
  --monitor-interval-ms N  liveness check interval while running (default 5000)
  --failure-threshold N    failed checks in a row that mean unhealthy (default 3)
  --grace-ms N             SIGTERM grace period before SIGKILL (default 5000)
  --max-restarts N         restarts without a stable run before giving up (default 5)
  --restart-window-ms N    a run this long is stable and resets the count (default 60000)
  --log-dir D              directory of the backend's log files
  --state-dir D            directory of the lockfile used to reap orphans
  --guard                  stop the backend's group even if this CLI is SIGKILLed (a tiny sh guard)
  --handoff                bind the port here and hand the listening socket to the backend as fd 4
                           (BACKEND_LISTEN_FD; "{fd}" in its args); in Python the companion's serve() takes it
  --json                   print one JSON status object per line
  --ui                     serve the live inspector page on 127.0.0.1 (its URL goes to stderr)
  --ui-port N              port of the inspector page (default: any free port)
  --inspect-log FILE       append XState inspection events to FILE as JSON lines
  --write-env-file FILE    while the backend runs, keep BACKEND_URL, BACKEND_PORT and BACKEND_API_KEY
                           in FILE (mode 0600, removed at exit) for curl or a script:
                           . FILE && curl -H @<(printf 'X-API-Key: %s' "$BACKEND_API_KEY") "$BACKEND_URL/api/items"
  --identical-startup-crashes N  identical start-up crashes in a row that end retries (default 2, 0 = off)
  --report FILE            on exit, write a report to attach to a bug (JSON, secrets redacted)
  --timings                (up) once every service runs, print the critical chain, slowest first
  -h, --help               show this help

up <system.yaml|json> starts several backends as one system: each service of the file's
{ "services": { "<name>": { "command", "args", "dependsOn", ...options } } } (YAML or JSON) in dependency order
(each once what it depends on runs), stops them in reverse order on Ctrl-C; dependents receive
BACKEND_<NAME>_PORT, _URL and _API_KEY. --json lines carry the service's name ("service").
Relative cwd, logDir and stateDir in the file are relative to it.`;

/** A command-line mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

const integerFlags = {
  'port-base': 'port.base',
  'port-attempts': 'port.attempts',
  'startup-timeout-ms': 'health.startupTimeoutMs',
  'monitor-interval-ms': 'health.monitorIntervalMs',
  'failure-threshold': 'health.failureThreshold',
  'grace-ms': 'shutdown.graceMs',
  'max-restarts': 'restart.maxRestarts',
  'restart-window-ms': 'restart.windowMs',
  'identical-startup-crashes': 'restart.identicalStartupCrashes',
} as const;

function toInteger(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`Option --${flag} expects a whole number, got "${value}"`);
  return Number(value);
}

function toPort(flag: string, value: string): number {
  const port = toInteger(flag, value);
  if (port < 0 || port > 65_535) throw new UsageError(`Option --${flag} expects a port from 0 to 65535, got ${value}`);
  return port;
}

// an empty path (an unset shell variable: --report "$FILE") would be skipped without a word
function toFilePath(flag: string, value: string): string {
  if (value === '') throw new UsageError(`Option --${flag} expects a file path, got an empty string`);
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) target[head] = value;
  else target[head] = { ...(target[head] as Record<string, unknown> | undefined), [tail]: value };
}

/** Parses `up [--json] [--ui [--ui-port N]] [--inspect-log FILE] <file>`; undefined when help was asked for. */
export function parseUpArgs(argv: readonly string[]): UpCommand | undefined {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' },
        ui: { type: 'boolean' },
        'ui-port': { type: 'string' },
        'inspect-log': { type: 'string' },
        report: { type: 'string' },
        timings: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length !== 1) throw new UsageError(`up expects exactly one system file, e.g. up examples/system.json (got ${positionals.length})`);
  if (values['ui-port'] !== undefined && !values.ui) throw new UsageError('--ui-port needs --ui');
  const up: UpCommand = { file: positionals[0] as string, json: values.json === true };
  if (values.timings) up.timings = true;
  if (typeof values.report === 'string') up.report = toFilePath('report', values.report);
  if (values.ui) up.ui = { port: values['ui-port'] === undefined ? 0 : toPort('ui-port', values['ui-port'] as string) };
  if (typeof values['inspect-log'] === 'string') up.inspectLog = toFilePath('inspect-log', values['inspect-log']);
  return up;
}

/** A parsed command line: `run` or `up`; undefined when help was asked for. */
export type CliCommand = ({ verb: 'run' } & RunCommand) | ({ verb: 'up' } & UpCommand);

/** Parses the whole command line, `run ...` or `up ...`; undefined when help was asked for. */
export function parseCommandLine(argv: readonly string[]): CliCommand | undefined {
  if (argv[0] === 'up') {
    const up = parseUpArgs(argv.slice(1));
    return up && { verb: 'up', ...up };
  }
  const run = parseRunArgs(argv);
  return run && { verb: 'run', ...run };
}

/** Parses `run [options] -- <command> [args...]`; returns undefined when help was asked for. */
export function parseRunArgs(argv: readonly string[]): RunCommand | undefined {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '-h' || verb === '--help') return undefined;
  if (verb !== 'run') throw new UsageError(`Unknown command "${verb}": the commands are "run" and "up"`);
  const separator = rest.indexOf('--');
  const flags = separator === -1 ? rest : rest.slice(0, separator);
  const backend = separator === -1 ? [] : rest.slice(separator + 1);
  const stringFlags = ['name', 'host', 'port', 'health-path', 'log-dir', 'state-dir', 'ui-port', 'inspect-log', 'write-env-file', 'report', ...Object.keys(integerFlags)];
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: flags,
      options: {
        ...Object.fromEntries(stringFlags.map((name) => [name, { type: 'string' as const }])),
        json: { type: 'boolean' },
        ui: { type: 'boolean' },
        guard: { type: 'boolean' },
        handoff: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
  if (values.help) return undefined;
  const [command, ...args] = backend;
  if (command === undefined) throw new UsageError('Missing the backend command: put it after "--", e.g. run -- python3 server.py');
  if (values.port !== undefined && (values['port-base'] !== undefined || values['port-attempts'] !== undefined)) {
    throw new UsageError('Use either --port or --port-base/--port-attempts, not both');
  }

  const options: Record<string, unknown> = { command, args };
  const text = (name: string) => values[name] as string | undefined;
  if (text('name') !== undefined) options.name = text('name');
  if (text('host') !== undefined) options.host = text('host');
  if (text('port') !== undefined) options.port = toInteger('port', text('port') as string);
  if (text('health-path') !== undefined) setPath(options, 'health.path', text('health-path'));
  if (text('log-dir') !== undefined) options.logDir = text('log-dir');
  if (values.guard) options.guard = true;
  if (values.handoff) options.handoff = true;
  if (text('state-dir') !== undefined) options.stateDir = text('state-dir');
  for (const [flag, path] of Object.entries(integerFlags)) {
    const value = text(flag);
    if (value !== undefined) setPath(options, path, toInteger(flag, value));
  }
  if (text('ui-port') !== undefined && !values.ui) throw new UsageError('--ui-port needs --ui');
  const run: RunCommand = { options: options as unknown as BackendSupervisorOptions, json: values.json === true };
  if (values.ui) run.ui = { port: text('ui-port') === undefined ? 0 : toPort('ui-port', text('ui-port') as string) };
  if (text('inspect-log') !== undefined) run.inspectLog = toFilePath('inspect-log', text('inspect-log') as string);
  if (text('write-env-file') !== undefined) run.envFile = toFilePath('write-env-file', text('write-env-file') as string);
  if (text('report') !== undefined) run.report = toFilePath('report', text('report') as string);
  return run;
}
