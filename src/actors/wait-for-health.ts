import type { HealthInput } from '../../machines/events.js';
import { BackendError } from '../errors.js';
import type { ResolvedOptions } from '../options/options.js';
import { checkHealth, type HealthResult, healthUrl } from './health-check.js';
import { pauseUntilHint, probeHost, type ReadinessHints } from './readiness-hints.js';
import { createPortMismatchCheck, rejectedHealth } from './startup-misconfiguration.js';
import type { PromiseWork } from './work.js';

// Fast first, then backing off: a backend that is up in 30 ms is seen in ~30 ms, a slow one costs few requests.
const schedule = [5, 5, 10, 10, 20, 20, 50, 50, 100, 100, 200];
const maxPause = 250;

function timeoutFailure(last: HealthResult | undefined, url: string, timeoutMs: number, logFile: string | undefined): BackendError {
  const tail = logFile ? `. Log: ${logFile}` : '';
  const base = { code: 'HEALTH_TIMEOUT', ...(logFile ? { logFile } : {}) } as const;
  if (last && !last.ok && last.reason === 'refused') {
    const message = `Backend server failed to start - connection refused (nothing answered ${url} within ${timeoutMs} ms)${tail}`;
    return new BackendError({ ...base, message, details: { url, reason: last.reason } });
  }
  const detail = last && !last.ok ? `; last check: ${last.detail}` : '';
  const message = `Backend server failed to start - not healthy within ${timeoutMs} ms (${url}${detail})${tail}`;
  return new BackendError({ ...base, message, details: { url, reason: last && !last.ok ? last.reason : null } });
}

interface PollContext {
  options: ResolvedOptions;
  hints: ReadinessHints;
  input: HealthInput;
  signal: AbortSignal;
  url: string;
  /** When the wait ends; a backend's EXTEND_TIMEOUT_USEC= moves it. */
  deadline: { at: number };
  /** When the backend was launched. */
  launched: number;
}

/** The polling loop: the healthy answer, or the last failed one at the deadline; throws what ends the wait early. */
async function pollUntilHealthy({ options, hints, input, signal, url, deadline, launched }: PollContext): Promise<HealthResult | undefined> {
  let last: HealthResult | undefined;
  // a handed-over socket listens from the first moment: the health request itself waits in its
  // queue. Windows answers a connect to a closed loopback port only after ~2 s of SYN retries,
  // so a probe there would say nothing sooner than the poll does.
  let probeListening = !options.handoff && process.platform !== 'win32';
  const portMismatch = createPortMismatchCheck(input.pid, input.port, input.logFile);
  for (let attempt = 0; !signal.aborted; attempt++) {
    const remaining = deadline.at - Date.now();
    if (remaining <= 0) break;
    const budget = Math.min(options.health.requestTimeoutMs, remaining);
    const result = await checkHealth(url, input.instanceId, budget, signal);
    if (result.ok) return result;
    const misconfigured = rejectedHealth(result, url, input.logFile) ?? (await portMismatch(result));
    if (misconfigured) throw misconfigured;
    // a check cut short by the deadline says less than the one before it ("answered HTTP 500")
    const truncated = result.reason === 'timeout' && budget < options.health.requestTimeoutMs;
    if (!truncated || last === undefined) last = result;
    if (result.reason === 'mismatch') {
      const tail = input.logFile ? `. Log: ${input.logFile}` : '';
      throw new BackendError({
        code: 'INSTANCE_MISMATCH',
        message: `Backend server failed to start - another process answers on port ${input.port} (${result.detail})${tail}`,
        ...(input.logFile ? { logFile: input.logFile } : {}),
        details: { url, port: input.port },
      });
    }
    // once the port listens, the probe has said all it can: keep it for a port that is not listening yet
    if (result.reason !== 'refused') probeListening = false;
    const pause = Math.min(schedule[attempt] ?? maxPause, Math.max(0, deadline.at - Date.now()));
    const woke = await pauseUntilHint(pause, { hints, instanceId: input.instanceId, host: probeHost(options.host), port: input.port, signal, probeListening, since: launched });
    if (woke === 'hint') {
      attempt = -1;
      probeListening = false;
    }
  }
  return last;
}

/**
 * Polls the health endpoint until it answers 2xx for our instance, or the startup timeout passes.
 * A 4xx answer or a backend listening on another port ends the wait at once (not retryable).
 * Pauses end early on a readiness hint (READY=1 on the notification fd, or the port starting to
 * listen), and the schedule starts over from 5 ms after a hint. `EXTEND_TIMEOUT_USEC=<n>` on the
 * notification fd moves the deadline to n µs from now (never earlier), up to `maxStartupMs` from
 * the launch, as systemd reads it.
 */
export function createWaitForHealth(options: ResolvedOptions, hints: ReadinessHints): PromiseWork<void, HealthInput> {
  return async ({ input, signal }) => {
    const url = healthUrl(options.host, input.port, options.health.path);
    const launched = Date.now();
    const deadline = { at: launched + options.health.startupTimeoutMs };
    const onExtend = (id: string, ms: number) => {
      if (id === input.instanceId) deadline.at = Math.min(Math.max(deadline.at, Date.now() + ms), launched + options.health.maxStartupMs);
    };
    hints.on('extend', onExtend);
    try {
      const last = await pollUntilHealthy({ options, hints, input, signal, url, deadline, launched });
      if (last?.ok) return;
      throw timeoutFailure(last, url, deadline.at - launched, input.logFile);
    } finally {
      hints.off('extend', onExtend);
    }
  };
}
