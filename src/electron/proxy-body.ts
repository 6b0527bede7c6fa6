import { Readable } from 'node:stream';
import type { ProxyError, ProxyUpstreamMessage } from './proxy-protocol.js';

/** Bytes of a request body kept so that a same-origin 307/308 redirect can send it again. */
export const replayableBytes = 1024 * 1024;

/** Whether `value` is a message the page may send on a proxy port; anything else is ignored, never trusted. */
export function isUpstreamMessage(value: unknown): value is ProxyUpstreamMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (type === 'body') return data instanceof Uint8Array;
  return type === 'body-end' || type === 'cancel';
}

/**
 * A request body fed by the port's `body` messages: refuses more than `maxBytes`, and a page that
 * sends nothing for `idleMs` (0: no limit) while the body is open fails the request (a stalled
 * upload would otherwise hold a request, a socket and the backend's handler for ever).
 */
export function requestBody(limits: { maxBytes: number; idleMs: number }, fail: (error: ProxyError) => void) {
  let size = 0;
  let kept: Buffer[] | undefined = [];
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  let onEnd: (() => void) | undefined;
  const stream = new Readable({ read() {} });
  const watch = () => {
    clearTimeout(timer);
    if (limits.idleMs > 0 && !ended) {
      timer = setTimeout(() => fail({ code: 'TIMEOUT', message: `the page sent no request body for ${limits.idleMs} ms` }), limits.idleMs);
      timer.unref?.();
    }
  };
  watch();
  return {
    stream,
    receive(message: ProxyUpstreamMessage) {
      if (ended) return;
      if (message.type === 'body-end') {
        ended = true;
        clearTimeout(timer);
        stream.push(null);
        return onEnd?.();
      }
      if (message.type !== 'body') return;
      size += message.data.byteLength;
      if (size > limits.maxBytes) {
        fail({ code: 'PAYLOAD_TOO_LARGE', message: `the request body exceeds ${limits.maxBytes} bytes` });
        return;
      }
      const chunk = Buffer.from(message.data);
      if (kept && size <= replayableBytes) kept.push(chunk);
      else kept = undefined;
      stream.push(chunk);
      watch();
    },
    /** The whole body again (for a 307/308), once the page has sent all of it; undefined when too big to have been kept. */
    async replay(): Promise<Buffer | undefined> {
      if (!ended) await new Promise<void>((resolve) => (onEnd = resolve));
      return kept ? Buffer.concat(kept) : undefined;
    },
    dispose() {
      clearTimeout(timer);
      ended = true;
      onEnd?.();
      stream.destroy();
    },
  };
}
