import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { readListenTable } from '../listen-table.js';

/**
 * Hints that a backend may be ready, shared by the process actor (which reads the notification
 * fd) and the health wait (which checks at once instead of sleeping). Health stays the ground
 * truth: a hint only shortens a pause.
 */
export class ReadinessHints extends EventEmitter<{ ready: [instanceId: string]; extend: [instanceId: string, ms: number] }> {}

/** What one line on the notification fd means (sd_notify's vocabulary, the part a supervisor of one service needs). */
export type NotifyMessage = { kind: 'ready' } | { kind: 'status'; text: string } | { kind: 'extend'; ms: number } | { kind: 'other' };

const maxStatusText = 200;

/**
 * Reads one notification line: `READY=1`, `STATUS=<text>` (control characters dropped, at most 200
 * characters kept), `EXTEND_TIMEOUT_USEC=<microseconds>`; anything else is `other`.
 *
 * @example
 * parseNotifyLine('EXTEND_TIMEOUT_USEC=30000000'); // { kind: 'extend', ms: 30000 }
 */
export function parseNotifyLine(line: string): NotifyMessage {
  if (line === 'READY=1') return { kind: 'ready' };
  if (line.startsWith('STATUS=')) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    const text = line.slice('STATUS='.length).replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, maxStatusText);
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
 * without its newline counts as well: some backends write exactly that and keep the fd open.
 */
export function onNotifyLines(stream: Readable | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  stream.setEncoding('utf8');
  let partial = '';
  stream.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line.trim());
    if (partial === 'READY=1' || partial.length > maxNotifyLine) {
      if (partial === 'READY=1') onLine(partial);
      partial = '';
    }
  });
}

/** Ports with a listening socket; undefined without /proc. */
async function listeningPorts(): Promise<Set<number> | undefined> {
  const table = await readListenTable();
  return table && new Set(table.map((socket) => socket.port));
}

/** True when some socket listens on `port`, without connecting to it; undefined where /proc is missing. */
export async function isListening(port: number): Promise<boolean | undefined> {
  return (await listeningPorts())?.has(port);
}

/**
 * One poller per process for every port a health wait is watching: 50 backends starting at once
 * cost one table read per tick, not 50. It polls finely at first and backs off to 10 ms.
 */
class ListenWatcher {
  readonly #waiters = new Map<number, Set<() => void>>();
  #timer: NodeJS.Timeout | undefined;
  #interval = 1;

  watch(port: number, onListening: () => void): () => void {
    const waiters = this.#waiters.get(port) ?? new Set();
    waiters.add(onListening);
    this.#waiters.set(port, waiters);
    this.#interval = 1;
    if (!this.#timer) this.#timer = setTimeout(() => void this.#tick(), this.#interval);
    return () => {
      waiters.delete(onListening);
      if (waiters.size === 0) this.#waiters.delete(port);
    };
  }

  async #tick(): Promise<void> {
    const ports = this.#waiters.size > 0 ? await listeningPorts() : undefined;
    this.#timer = undefined;
    if (!ports) return this.#waiters.clear(); // nothing to watch, or no /proc: the poll schedule decides alone
    for (const [port, waiters] of this.#waiters) {
      if (!ports.has(port)) continue;
      this.#waiters.delete(port);
      for (const notify of waiters) notify();
    }
    if (this.#waiters.size === 0) return;
    this.#interval = Math.min(this.#interval * 1.25, 10);
    this.#timer = setTimeout(() => void this.#tick(), this.#interval);
  }
}

const listenWatcher = new ListenWatcher();

/**
 * Sleeps up to `ms`, waking early when the backend notifies READY or its port starts listening.
 */
export async function pauseUntilHint(
  ms: number,
  options: { hints: ReadinessHints; instanceId: string | undefined; port: number; signal: AbortSignal; probeListening: boolean },
): Promise<'hint' | 'timeout'> {
  const { hints, instanceId, port, signal } = options;
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
    if (options.probeListening) unwatch = listenWatcher.watch(port, () => finish('hint'));
  });
}
