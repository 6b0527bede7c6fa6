import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';

/**
 * Hints that a backend may be ready, shared by the process actor (which reads the notification
 * fd) and the health wait (which checks at once instead of sleeping). Health stays the ground
 * truth: a hint only shortens a pause.
 */
export class ReadinessHints extends EventEmitter<{ ready: [instanceId: string] }> {}

const tcpTables = ['/proc/net/tcp', '/proc/net/tcp6'];
const listenState = '0A';

/** True when some socket listens on `port` (Linux: one read of /proc/net/tcp, no connection made). */
export async function isListening(port: number): Promise<boolean | undefined> {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let readable = false;
  for (const table of tcpTables) {
    try {
      const text = await readFile(table, 'latin1');
      readable = true;
      for (const line of text.split('\n')) {
        const fields = line.trim().split(/\s+/);
        if (fields[3] === listenState && fields[1]?.endsWith(`:${portHex}`)) return true;
      }
    } catch {
      // no such table (no IPv6, or not Linux)
    }
  }
  return readable ? false : undefined;
}

/**
 * Sleeps up to `ms`, waking early when the backend notifies READY or its port starts listening.
 * The listen probe polls finely at first and backs off, so a slow starter costs little CPU.
 */
export async function pauseUntilHint(
  ms: number,
  options: { hints: ReadinessHints; instanceId: string | undefined; port: number; signal: AbortSignal; probeListening: boolean },
): Promise<'hint' | 'timeout'> {
  const { hints, instanceId, port, signal } = options;
  return new Promise((resolve) => {
    let done = false;
    let probeTimer: NodeJS.Timeout | undefined;
    const finish = (why: 'hint' | 'timeout') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(probeTimer);
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
    if (!options.probeListening) return;
    let interval = 1;
    const probe = async () => {
      const listening = await isListening(port);
      if (done) return;
      if (listening) return finish('hint');
      if (listening === undefined) return; // no /proc here: the schedule alone decides
      interval = Math.min(interval * 1.25, 10);
      probeTimer = setTimeout(probe, interval);
    };
    void probe();
  });
}
