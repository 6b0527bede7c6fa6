import { type GroupMember, groupMembersWithCommands } from './group-members.js';

/** A process that holds a stop: alive `seconds` after the stop began. */
export interface StopBlocker extends GroupMember {
  seconds: number;
}

const firstLookMs = 1_000;
const lookEveryMs = 1_000;

/**
 * Watches a stop while it lasts: which processes of the backend's group are still alive, what they
 * are and for how long (read without blocking, first after a second, then every second). The last
 * list is kept after the stop, so that a STOP_FAILED can name them.
 */
export class StopBlockers {
  #since: number | undefined;
  #pgid: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #blockers: StopBlocker[] = [];

  constructor(
    private readonly changed: () => void,
    private readonly read: (pgid: number) => Promise<GroupMember[]> = groupMembersWithCommands,
  ) {}

  /** The processes alive at the last look of the current (or last) stop. */
  get current(): readonly StopBlocker[] {
    return this.#blockers;
  }

  /** One line for the status `detail` while stopping, or undefined when nothing is known to hold it. */
  describe(): string | undefined {
    if (this.#since === undefined || this.#blockers.length === 0) return undefined;
    const seconds = this.#blockers[0]?.seconds ?? 0;
    const count = this.#blockers.length === 1 ? '1 process' : `${this.#blockers.length} processes`;
    const named = this.#blockers.slice(0, 5).map((blocker) => `${blocker.pid} ${blocker.command}`);
    const more = this.#blockers.length > 5 ? `; and ${this.#blockers.length - 5} more` : '';
    return `waiting for ${count} of group ${this.#pgid} (${seconds} s since the stop began): ${named.join('; ')}${more}`;
  }

  /** Follows the lifecycle: `stopping` with a group starts the watch, anything else ends it. */
  observe(stopping: boolean, pgid: number | undefined): void {
    if (stopping && pgid !== undefined) {
      if (this.#since !== undefined && this.#pgid === pgid) return;
      this.#end();
      this.#since = Date.now();
      this.#pgid = pgid;
      this.#blockers = [];
      this.#timer = setTimeout(() => void this.#look(pgid), firstLookMs);
      this.#timer.unref();
      return;
    }
    if (this.#since !== undefined) this.#end();
  }

  /** Stops watching (the supervisor is done with this stop); the last list stays readable. */
  #end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
  }

  async #look(pgid: number): Promise<void> {
    const members = await this.read(pgid);
    const since = this.#since;
    if (since === undefined || this.#pgid !== pgid) return; // the stop ended while we looked
    const seconds = Math.round((Date.now() - since) / 1000);
    this.#blockers = members.map((member) => ({ ...member, seconds }));
    this.changed();
    this.#timer = setTimeout(() => void this.#look(pgid), lookEveryMs);
    this.#timer.unref();
  }
}
