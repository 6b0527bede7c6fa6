import { custom, type OptionSpec } from '../options/schema.js';
import type { ProxyRoute } from './page-policy.js';
import type { ElectronBackendOptions } from './attach.js';
import type { ElectronMainApi } from './electron-like.js';
import type { ExecuteOptions } from './execute.js';
import type { ProxyOptions } from './proxy.js';

// a whole number without an upper bound, refused in the words of its unit
const whole = (min: number, unit: string, doc: string) =>
  ({
    type: 'integer',
    min,
    max: Number.MAX_SAFE_INTEGER,
    expected: min === 0 ? `a whole number of ${unit}, 0 for none` : `a positive whole number of ${unit}`,
    doc,
  }) as const satisfies OptionSpec;
const limit = (min: number, unit: string, fallback: number, doc: string) => ({ ...whole(min, unit, doc), default: fallback }) as const satisfies OptionSpec;

/** The proxy's options (`attachBackendToElectron({ proxy })`), each declared once with its default. */
export const proxyFields = {
  headersTimeoutMs: limit(1, 'milliseconds', 30_000, "Longest wait for the backend's response head."),
  idleTimeoutMs: limit(0, 'milliseconds', 300_000, 'Longest silence between two body chunks, in either direction; 0 for none (long enough for SSE heartbeats).'),
  maxRequestBytes: limit(1, 'bytes', 16 * 1024 * 1024, 'Largest request body from the renderer.'),
  maxResponseBytes: limit(1, 'bytes', 256 * 1024 * 1024, 'Largest response body passed back.'),
  maxConcurrent: limit(1, 'requests', 64, 'Most requests in flight at once, over every window (and `python:execute`); more are refused with `TOO_MANY_REQUESTS`.'),
  allow: custom<readonly ProxyRoute[]>()({
    type: 'custom',
    typeText: 'ProxyRoute[]',
    json: {},
    defaultText: 'every path',
    doc: "The routes a page may reach; the backend's stop request and `python:execute`'s path pass only when a route names them exactly.",
  }),
} as const satisfies Record<keyof ProxyOptions, OptionSpec>;

/** `execute`: the commands `python:execute` may run, and its limits. */
export const executeFields = {
  commands: custom<readonly string[]>()({ type: 'custom', required: true, typeText: 'string[]', json: {}, defaultText: 'required', doc: 'Commands the renderer may run; anything else is refused without contacting the backend.' }),
  path: custom<string>()({ type: 'custom', typeText: 'string', json: {}, defaultText: "`'/api/execute'`", doc: 'Backend path that receives `POST { command, payload }`.' }),
  maxPayloadBytes: whole(1, 'bytes', 'Largest JSON payload accepted from the renderer (default 64 KiB).'),
  maxResponseBytes: whole(1, 'bytes', 'Largest answer passed back (default 1 MiB).'),
  timeoutMs: whole(1, 'milliseconds', 'Time limit of one call (default 10 000).'),
} as const satisfies Record<keyof ExecuteOptions, OptionSpec>;

/** The options of `attachBackendToElectron` (besides Electron's own `app`, `BrowserWindow`, `dialog`, `ipcMain`). */
export const electronFields = {
  trustedOrigins: custom<readonly string[]>()({
    type: 'custom',
    required: true,
    typeText: 'string[]',
    json: {},
    defaultText: 'required',
    doc: "The app's own pages, the only ones that may talk to the backend: `'file://'`, `'file:///folder/'`, `'app://bundle'`, or an http(s) origin.",
  }),
  execute: { type: 'object', optional: true, fields: executeFields, defaultText: 'off', doc: 'Enables `python:execute` for these commands.' },
  proxy: custom<ProxyOptions | false>()({ type: 'custom', typeText: 'object \\| false', json: {}, defaultText: 'on', doc: 'The main-process proxy behind `createBackendClient(...).fetch`, with its limits (see the proxy table); `false` turns it off.' }),
  controls: { type: 'boolean', default: false, doc: 'Lets trusted pages call `window.backend.start()/stop()/restart()`.' },
  direct: { type: 'boolean', default: false, doc: "Lets trusted pages have the backend's URL and key to call it themselves." },
  quitDeadlineMs: whole(1, 'milliseconds', "Longest a quit waits for the backend to stop before `app.exit()` (default: the stop plan's grace + 5 s, at least 10 s)."),
  failureDialog: { type: 'boolean', default: true, doc: 'Show an error dialog when the backend cannot be started.' },
  log: custom<(message: string) => void>()({ type: 'custom', typeText: 'function', json: {}, defaultText: '`console.warn`', doc: 'Where refused senders and quit problems are reported.' }),
} as const satisfies Record<Exclude<keyof ElectronBackendOptions, keyof ElectronMainApi>, OptionSpec>;
