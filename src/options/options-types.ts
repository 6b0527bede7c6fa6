import type { InspectionEvent, Observer } from 'xstate';

/**
 * Options of {@link createBackendSupervisor}. Only `command` is required; every other option has
 * the default of MineContext's backend manager. Options are validated once, at creation: a wrong one throws a
 * `BackendError` with code `INVALID_OPTIONS` that names the option and the value.
 *
 * @example
 * const options: BackendSupervisorOptions = {
 *   command: 'python3',
 *   args: ['server.py', '--port', '{port}'],
 *   health: { path: '/api/health' },
 * };
 */
export interface BackendSupervisorOptions {
  /** The backend executable, e.g. `python3`. Looked up on PATH. */
  command: string;
  /** Arguments; `{port}` and `{host}` are replaced with the allocated values. */
  args?: readonly string[];
  /** Working directory of the backend (default: the current directory). */
  cwd?: string;
  /** Environment variables merged over `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Interface the backend binds to (default `127.0.0.1`; `localhost` is refused: IPv6 `::1` trap). */
  host?: string;
  /** Permit a wildcard host (`0.0.0.0`, `::`), which exposes the backend to the network. */
  allowExternal?: boolean;
  /**
   * A fixed port, or the first port and how many to try (default `{ base: 1733, attempts: 100 }`).
   * `fallback: 'any'` accepts a port the system assigns when no port of the range can be bound
   * (default `'none'`: then the start fails with PORT_UNAVAILABLE, naming why).
   */
  port?: number | { base?: number; attempts?: number; fallback?: 'any' | 'none' };
  health?: {
    /** Health endpoint (default `/api/health`); any 2xx answer counts as healthy. */
    path?: string;
    /** How long the backend may take to become healthy (default 30 000). */
    startupTimeoutMs?: number;
    /**
     * The most a backend may extend its start-up with `EXTEND_TIMEOUT_USEC=` on its notification
     * fd, counted from the launch (default 300 000, at least `startupTimeoutMs`).
     */
    maxStartupMs?: number;
    /** Timeout of one health request (default 2 000). */
    requestTimeoutMs?: number;
    /** Interval of liveness checks while running (default 5 000). */
    monitorIntervalMs?: number;
    /** Failed checks in a row that mark the backend unhealthy (default 3). */
    failureThreshold?: number;
  };
  /** SIGTERM to the process group, then SIGKILL after `graceMs` (default 5 000). */
  shutdown?: {
    graceMs?: number;
    /**
     * A stop request the backend opts into, sent with the API key before any signal (the graceful
     * stop that works without POSIX signals, e.g. on Windows). `waitMs` (default half of `graceMs`)
     * is how long the backend may take to exit before SIGTERM; a failed or non-2xx answer sends
     * SIGTERM at once. SIGKILL still follows at `graceMs`.
     * @example { path: '/api/shutdown' }
     */
    request?: { path: string; method?: 'POST' | 'PUT' | 'DELETE'; waitMs?: number };
  };
  /** Automatic restarts after a crash or failed liveness (see `RestartPolicy`). */
  restart?: {
    maxRestarts?: number;
    windowMs?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
    noRestartExitCodes?: readonly number[];
    /**
     * Start-up crashes in a row that end the same way (exit code, signal, last output line) after
     * which the crash is final, a configuration error (default 2; 0 = always retry).
     */
    identicalStartupCrashes?: number;
  };
  /** `apiKey`: undefined = a fresh random 256-bit key per supervisor, false = none, or your own. */
  auth?: { apiKey?: string | false };
  /** Names log and lock files; supervisors sharing a stateDir need distinct names (default `backend`). */
  name?: string;
  /** Directory of the per-launch backend logs (default: `backend-lifecycle/logs` in `$XDG_RUNTIME_DIR` or the user's cache folder). */
  logDir?: string;
  /** Directory of the lockfile used to reap orphans of a crashed supervisor (default: `backend-lifecycle/state` beside the logs). */
  stateDir?: string;
  /** Size cap of one launch's log file in bytes (default 10 MiB); past it the file rotates to `.1`. */
  logMaxBytes?: number;
  /**
   * Start a guard process (a tiny `sh`) per backend that stops its group if this supervisor dies
   * without stopping it (SIGKILL, force-quit), for backends that do not watch BACKEND_PARENT_PID.
   * Default false: the lockfile reaps such orphans on the next launch anyway.
   */
  guard?: boolean;
  /**
   * Socket handoff (POSIX): the supervisor binds the port itself and keeps it from launch to launch;
   * each backend receives the listening socket as fd 4 (`BACKEND_LISTEN_FD`, and `{fd}` in `args`)
   * and must accept on it instead of binding the port. No other program can take the port between
   * the probe and the backend's start, connections queue from the first moment (before the backend
   * serves, and while it restarts), and a restart keeps the port. Default false.
   * @example { command: '.venv/bin/python', args: ['app.py'], handoff: true } // app.py: the Python companion's serve(app), which accepts on the handed socket
   */
  handoff?: boolean;
  /** XState inspection observer, e.g. `createBrowserInspector().inspect` from `@statelyai/inspect`. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}
