/** One moment of a launch, in ms after the launch began. */
export interface TimelineMark {
  /** `prepared`, `orphans reaped`, `port allocated`, `spawned`, `first progress line`, `healthy`, `running`, or how it ended (`restarted`: a restart replaced it before it ran). */
  name: string;
  atMs: number;
}

/** How one launch spent its time, as observed from the statechart's transitions. */
export interface LaunchTimeline {
  /** 1 for the first launch of this supervisor. */
  launch: number;
  startedAt: string;
  /** `running`, `failed`, `stopped`, or `starting` while it lasts. */
  outcome: 'starting' | 'running' | 'failed' | 'stopped';
  /** From the launch to its outcome (to now while starting). */
  totalMs: number;
  marks: TimelineMark[];
}

/** A path of the lifecycle's state value: `starting.preparing`, `launched.spawning`, `running`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', undefined];
  const rest = child === undefined || (typeof child === 'object' && child !== null && Object.keys(child).length === 0) ? '' : `.${statePath(child)}`;
  return `${key}${rest}`;
}

const stateMarks: Record<string, string> = {
  'starting.reapingOrphans': 'prepared',
  'starting.allocatingPort': 'orphans reaped',
  'launched.spawning': 'port allocated',
  'launched.running': 'running',
};
const keep = 20;

/**
 * Records each launch's timeline by observing the lifecycle's transitions (never by timing the
 * actors themselves): a launch begins on entering `starting.preparing` and ends running, failed
 * or stopped. Keeps the last 20 launches.
 *
 * @example
 * const timelines = new LaunchTimelines();
 * timelines.note('process.spawned', 'launched.waitingForHealth', Date.now());
 */
export class LaunchTimelines {
  #launches: { launch: number; started: number; outcome: LaunchTimeline['outcome']; ended?: number; marks: TimelineMark[] }[] = [];
  #count = 0;

  /** One transition: the event that caused it and the state path it reached, at `now` (ms). */
  note(eventType: string, path: string, now: number): void {
    if (path === 'starting.preparing') {
      const current = this.#launches.at(-1);
      if (current?.outcome === 'starting' && current.marks.length === 0) return; // the same launch, seen twice
      if (current?.outcome === 'starting') {
        // a restart replaced it before it ran: it ends here, or it would read "starting" for ever
        current.outcome = 'stopped';
        current.ended = now;
        current.marks.push({ name: 'restarted', atMs: now - current.started });
      }
      this.#launches.push({ launch: ++this.#count, started: now, outcome: 'starting', marks: [] });
      if (this.#launches.length > keep) this.#launches.shift();
      return;
    }
    const current = this.#launches.at(-1);
    if (current?.outcome !== 'starting') return;
    const mark = (name: string) => {
      if (!current.marks.some((existing) => existing.name === name)) current.marks.push({ name, atMs: now - current.started });
    };
    if (eventType === 'process.spawned') mark('spawned');
    if (eventType === 'process.progress') mark('first progress line');
    if (eventType === 'xstate.done.actor.waitForHealth') mark('healthy');
    const named = stateMarks[path];
    if (named) mark(named);
    const end = (outcome: LaunchTimeline['outcome'], name: string) => {
      current.outcome = outcome;
      current.ended = now;
      mark(name);
    };
    if (path === 'launched.running') end('running', 'running');
    else if (path === 'error' || path === 'recovering' || path === 'backoff') end('failed', eventType.startsWith('xstate.') ? 'failed' : `failed on ${eventType}`);
    else if (path === 'stopped') end('stopped', 'stopped');
    else if (path === 'confirming' && eventType === 'process.exited') mark('exited');
  }

  /** The recorded launches, oldest first. */
  list(now = Date.now()): LaunchTimeline[] {
    return this.#launches.map((entry) => ({
      launch: entry.launch,
      startedAt: new Date(entry.started).toISOString(),
      outcome: entry.outcome,
      totalMs: (entry.ended ?? now) - entry.started,
      marks: entry.marks.map((mark) => ({ ...mark })),
    }));
  }
}

/**
 * The steps of a timeline, slowest first: each mark with the time since the mark before it.
 *
 * @example
 * slowestSteps(timeline); // [{ name: 'healthy', tookMs: 812 }, { name: 'spawned', tookMs: 41 }, …]
 */
export function slowestSteps(timeline: LaunchTimeline): { name: string; tookMs: number; atMs: number }[] {
  let previous = 0;
  const steps = timeline.marks.map((mark) => {
    const step = { name: mark.name, tookMs: mark.atMs - previous, atMs: mark.atMs };
    previous = mark.atMs;
    return step;
  });
  return steps.sort((a, b) => b.tookMs - a.tookMs);
}
