/** When and how fast a crashed or unhealthy backend is started again. */
export interface RestartPolicy {
  /** Restarts allowed without a stable run in between; 0 disables automatic restarts. */
  maxRestarts: number;
  /** A run that stays healthy this long counts as stable and resets the restart count. */
  windowMs: number;
  /** Delay before the first restart; each further restart doubles it. */
  initialDelayMs: number;
  /** Upper bound of the delay. */
  maxDelayMs: number;
  /** Exit codes with which the backend says "do not restart me" (e.g. a configuration error). */
  noRestartExitCodes: readonly number[];
  /**
   * Start-up crashes in a row that end the same way (exit code, signal and last line of output)
   * after which the crash counts as a configuration error (`CRASHED_DURING_STARTUP`, not retried),
   * e.g. a `python3` without the app's dependencies. 0 turns the check off.
   */
  identicalStartupCrashes: number;
}

/**
 * The defaults: five restarts within a minute, starting at 250 ms, capped at 30 s; a start-up crash
 * that repeats identically is final at its second occurrence.
 */
export const defaultRestartPolicy: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  noRestartExitCodes: [],
  identicalStartupCrashes: 2,
};

/**
 * Delay before restart number `restart` (1-based): exponential, capped, with jitter.
 *
 * `random` in [0, 1) spreads the delay over ±25% so that several supervisors that crashed
 * together do not restart in lockstep; 0.5 means no jitter.
 *
 * @example
 * restartDelayMs(defaultRestartPolicy, 3, 0.5) // 1000
 */
export function restartDelayMs(policy: RestartPolicy, restart: number, random: number): number {
  const exponent = Math.max(0, restart - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  const jittered = base * (1 + (random - 0.5) / 2);
  return Math.round(Math.min(policy.maxDelayMs, Math.max(0, jittered)));
}
