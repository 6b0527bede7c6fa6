/** A bounded list that keeps the newest `limit` entries. */
export class Recent<T> {
  readonly #items: T[] = [];

  constructor(private readonly limit: number) {}

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.limit) this.#items.splice(0, this.#items.length - this.limit);
  }

  /** The entries, oldest first (a copy). */
  list(): T[] {
    return [...this.#items];
  }
}

/** One transition of the lifecycle statechart, as a report lists it. */
export interface TransitionRecord {
  at: string;
  /** The event that caused it, e.g. `process.exited`. */
  event: string;
  /** The state path it reached, e.g. `launched.waitingForHealth`. */
  state: string;
}
