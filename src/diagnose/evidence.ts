import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Failure } from '../../machines/failure.js';
import type { FailureFacts } from '../../machines/hints.js';
import type { LifecycleContext } from '../../machines/lifecycle-setup.js';
import { type OomCounter, readOomCount, readOomCounter } from './oom-kills.js';

/** What the evidence gatherer needs to know of its supervisor. */
export interface EvidenceScope {
  command: string;
  stateDir: string;
  name: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A live launch of this backend, by its lockfile, that recorded `port` (read without blocking). */
export async function findPortHolder(scope: EvidenceScope, port: number): Promise<FailureFacts['portHolder']> {
  let files: string[];
  try {
    files = await readdir(scope.stateDir);
  } catch {
    return undefined;
  }
  for (const file of files.filter((entry) => entry.startsWith(`${scope.name}.`) && entry.endsWith('.lock.json'))) {
    try {
      const record = JSON.parse(await readFile(join(scope.stateDir, file), 'utf8')) as { pid?: unknown; port?: unknown; supervisorPid?: unknown };
      if (record.port !== port || typeof record.pid !== 'number' || typeof record.supervisorPid !== 'number') continue;
      if (alive(record.pid)) return { port, pid: record.pid, supervisorPid: record.supervisorPid };
    } catch {
      // a lock being written or removed meanwhile says nothing
    }
  }
  return undefined;
}

/**
 * Gathers, next to a supervisor, the evidence a failure's own details cannot hold: whether the
 * command ran before, the OOM-kill counter of the backend's cgroup at its spawn and after a
 * SIGKILL, and which live launch of ours holds a port that was refused. Every read is
 * asynchronous; `changed` is called when new evidence arrives, so that the status can be derived
 * again with its hint.
 */
export class FailureEvidence {
  #spawnedBefore = false;
  #pid: number | undefined;
  #oomAtSpawn: OomCounter | undefined;
  #failure: Failure | undefined;
  #facts: FailureFacts;

  constructor(
    private readonly scope: EvidenceScope,
    private readonly changed: () => void,
  ) {
    this.#facts = { command: scope.command, platform: process.platform };
  }

  /** The evidence so far (stop blockers are added by the caller). */
  get facts(): FailureFacts {
    return this.#facts;
  }

  /** Looks at each new snapshot's context: a new spawn, or a new failure, starts a read. */
  observe(context: LifecycleContext): void {
    if (context.pid !== undefined && context.pid !== this.#pid) {
      const pid = context.pid;
      this.#spawnedBefore = true;
      this.#pid = pid;
      this.#oomAtSpawn = undefined;
      void readOomCounter(pid).then((counter) => {
        if (this.#pid === pid) this.#oomAtSpawn = counter;
      });
    }
    const failure = context.error?.code === 'RESTART_LIMIT' ? (context.error.cause ?? context.error) : context.error;
    if (failure === this.#failure) return;
    this.#failure = failure;
    const { command, platform } = this.#facts;
    this.#facts = { command, platform, ...(this.#spawnedBefore ? { spawnedBefore: true } : {}) };
    if (failure) void this.#gather(failure);
  }

  async #gather(failure: Failure): Promise<void> {
    const facts: FailureFacts = { ...this.#facts };
    const counter = this.#oomAtSpawn;
    if (failure.details?.signal === 'SIGKILL' && counter) {
      const after = await readOomCount(counter.file);
      if (after !== undefined) facts.oomKills = { file: counter.file, before: counter.count, after };
    }
    const port = failure.details?.port;
    if (failure.code === 'PORT_UNAVAILABLE' && typeof port === 'number') {
      const holder = await findPortHolder(this.scope, port);
      if (holder) facts.portHolder = holder;
    }
    if (this.#failure !== failure || (!facts.oomKills && !facts.portHolder)) return;
    this.#facts = facts;
    this.changed();
  }
}
