import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { connect } from 'node:net';

/**
 * Hints that a backend may be ready, shared by the process actor (which reads the notification
 * fd) and the health wait (which checks at once instead of sleeping). Health stays the ground
 * truth: a hint only shortens a pause.
 */
export class ReadinessHints extends EventEmitter<{ ready: [instanceId: string]; extend: [instanceId: string, ms: number] }> {}

/** What one line on the notification fd means (sd_notify's vocabulary, the part a supervisor of one service needs). */
export type NotifyMessage = { kind: 'ready' } | { kind: 'status'; text: string } | { kind: 'extend'; ms: number } | { kind: 'other' };

const maxStatusText = 200;
// C0, DEL, C1 (8-bit CSI/OSC), line separators and bidi controls: progress text is shown to users as it is
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const notShown = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Reads one notification line: `READY=1`, `STATUS=<text>` (secrets replaced by `redact`, then
 * control characters and bidi overrides dropped, at most 200 characters kept),
 * `EXTEND_TIMEOUT_USEC=<microseconds>`; anything else is `other`.
 *
 * @example
 * parseNotifyLine('EXTEND_TIMEOUT_USEC=30000000'); // { kind: 'extend', ms: 30000 }
 */
export function parseNotifyLine(line: string, redact: (text: string) => string = (text) => text): NotifyMessage {
  if (line === 'READY=1') return { kind: 'ready' };
  if (line.startsWith('STATUS=')) {
    // redacted before the cut: a cut through a secret would keep its first part, which no redaction finds
    const text = redact(line.slice('STATUS='.length)).replace(notShown, ' ').trim().slice(0, maxStatusText);
    return { kind: 'status', text };
  }
  const extend = /^EXTEND_TIMEOUT_USEC=(\d{1,15})$/.exec(line);
  if (extend) return { kind: 'extend', ms: Math.ceil(Number(extend[1]) / 1000) };
  return { kind: 'other' };
}

const maxNotifyLine = 4096;

/**
 * Calls `onLine` with each message a backend writes to its notification fd, one per line as in
 * sd_notify, decoded as a stream (a line split across reads arrives whole). A final `READY=1`
 * without its newline counts as well: some backends write exactly that and keep the fd open. A
 * line longer than 4096 characters is dropped whole; `onOverlong` hears how it began (its first 200 characters).
 */
export function onNotifyLines(stream: Readable | undefined, onLine: (line: string) => void, onOverlong?: (start: string) => void): void {
  if (!stream) return;
  stream.setEncoding('utf8');
  let partial = '';
  // inside an overlong line: everything up to its newline goes, or its tail would pass for a message
  let dropping = false;
  stream.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const message = line.trim();
      if (!dropping && message !== '') onLine(message);
      dropping = false;
    }
    if (dropping) partial = '';
    else if (partial === 'READY=1') {
      onLine(partial);
      partial = '';
    } else if (partial.length > maxNotifyLine) {
      // more than the 60 characters shown: the caller redacts a secret before it cuts
      onOverlong?.(partial.slice(0, 200));
      dropping = true;
      partial = '';
    }
  });
}

/** Where to connect to reach a backend bound to `host`: a wildcard address is reached on loopback. */
export function probeHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  return host === '::' ? '::1' : host;
}

/** One TCP connection attempt: true once something accepts on `host:port` (closed at once, nothing sent). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Refused connects on loopback cost ~0.2 ms each, against ~4 ms for one read of /proc/net/tcp on
// a VM's kernel: probing is the cheap way to see a listen moment, and it works on every system.
// Fine while most backends come up (the first seconds of a start), coarser for slow starters:
// each tick costs ~0.1–0.3 ms of CPU on a small VM: 4–15% of a core at 2 ms (npm run bench).
const probeSteps = [
  { untilMs: 3_000, capMs: 2 },
  { untilMs: 10_000, capMs: 5 },
  { untilMs: Number.POSITIVE_INFINITY, capMs: 20 },
];
const firstProbeMs = 1;

/** The tick interval ceiling for a wait that began `elapsedMs` ago. */
const probeCap = (elapsedMs: number) => probeSteps.find((step) => elapsedMs < step.untilMs)?.capMs ?? 20;

interface Watched {
  host: string;
  port: number;
  since: number;
  notify: Set<() => void>;
}

/**
 * One prober per process for every port a health wait is watching. Each tick tries one connection
 * per port; ticks start at 1 ms and back off to the cap of the youngest wait (2 ms in the first
 * 3 s, then 5 ms, then 20 ms), and to at least 1 ms per port, so 50 backends starting at once cost
 * at most ~1 connection attempt per millisecond, not 50.
 */
class ListenWatcher {
  readonly #waiters = new Map<string, Watched>();
  #timer: NodeJS.Timeout | undefined;
  #interval = firstProbeMs;

  watch(host: string, port: number, onListening: () => void, since: number): () => void {
    const key = `${host}|${port}`;
    const entry = this.#waiters.get(key) ?? { host, port, since, notify: new Set<() => void>() };
    entry.since = Math.max(entry.since, since);
    entry.notify.add(onListening);
    this.#waiters.set(key, entry);
    this.#interval = firstProbeMs;
    if (!this.#timer) this.#timer = setTimeout(() => void this.#tick(), this.#interval);
    return () => {
      entry.notify.delete(onListening);
      if (entry.notify.size === 0) this.#waiters.delete(key);
    };
  }

  async #tick(): Promise<void> {
    const entries = [...this.#waiters.entries()];
    const results = await Promise.all(entries.map(([, { host, port }]) => accepts(host, port)));
    this.#timer = undefined;
    entries.forEach(([key, entry], index) => {
      if (!results[index] || this.#waiters.get(key) !== entry) return;
      this.#waiters.delete(key);
      for (const notify of entry.notify) notify();
    });
    if (this.#waiters.size === 0) return;
    const youngest = Math.max(...[...this.#waiters.values()].map((entry) => entry.since));
    const cap = Math.max(probeCap(Date.now() - youngest), this.#waiters.size);
    this.#interval = Math.min(this.#interval * 1.5, cap);
    this.#timer = setTimeout(() => void this.#tick(), this.#interval);
  }
}

const listenWatcher = new ListenWatcher();

/**
 * Sleeps up to `ms`, waking early when the backend notifies READY or its port starts accepting
 * connections (`probeListening`: a connection is tried and closed at once, nothing is sent).
 */
export async function pauseUntilHint(
  ms: number,
  options: {
    hints: ReadinessHints;
    instanceId: string | undefined;
    host: string;
    port: number;
    signal: AbortSignal;
    probeListening: boolean;
    /** When the wait for this backend began (the probe is finest in its first seconds); default now. */
    since?: number;
  },
): Promise<'hint' | 'timeout'> {
  const { hints, instanceId, host, port, signal } = options;
  return new Promise((resolve) => {
    let done = false;
    let unwatch = () => {};
    const finish = (why: 'hint' | 'timeout') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unwatch();
      hints.off('ready', onReady);
      signal.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onReady = (id: string) => {
      if (id === instanceId) finish('hint');
    };
    const onAbort = () => finish('timeout');
    const timer = setTimeout(() => finish('timeout'), ms);
    hints.on('ready', onReady);
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.probeListening) unwatch = listenWatcher.watch(host, port, () => finish('hint'), options.since ?? Date.now());
  });
}
