/** Progress text goes out at most this often: a backend that reports every item must not flood the app. */
export const progressIntervalMs = 100;

/** Coalesces a backend's progress text; see {@link coalesceProgress}. */
export interface ProgressCoalescer {
  /** Takes the latest text: sent now when the last one went out long enough ago, else when the interval is over. */
  push(text: string): void;
  /** Sends what is waiting now (before READY=1 is acted on, so readiness never waits for a timer). */
  flush(): void;
  /** Drops what is waiting and stops the timer (the launch is over). */
  dispose(): void;
  /** Texts that were replaced by a later one before they could be sent. */
  readonly dropped: number;
}

/**
 * At most one progress text per `intervalMs`, always the latest: the first goes out at once, the
 * ones that follow within the interval replace each other, and the last of them goes out when the
 * interval is over. Each text sent is a status change (an IPC push and a render in an app).
 *
 * @example
 * const progress = coalesceProgress((text) => sendBack({ type: 'process.progress', detail: text }));
 * progress.push('item 1 of 10000');
 */
export function coalesceProgress(send: (text: string) => void, intervalMs = progressIntervalMs): ProgressCoalescer {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let waiting: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let dropped = 0;
  const sendNow = (text: string) => {
    waiting = undefined;
    clearTimeout(timer);
    timer = undefined;
    send(text);
    // after the send: the interval runs from the moment the change was made, however long that took
    lastSentAt = Date.now();
  };
  return {
    push(text) {
      if (waiting !== undefined) dropped++;
      const since = Date.now() - lastSentAt;
      if (timer === undefined && since >= intervalMs) return sendNow(text);
      waiting = text;
      timer ??= setTimeout(() => {
        if (waiting !== undefined) sendNow(waiting);
      }, intervalMs - since);
    },
    flush() {
      if (waiting !== undefined) sendNow(waiting);
    },
    dispose() {
      clearTimeout(timer);
      timer = undefined;
      waiting = undefined;
    },
    get dropped() {
      return dropped;
    },
  };
}
