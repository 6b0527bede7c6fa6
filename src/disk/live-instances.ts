// Backends launched by this process whose group is not confirmed gone yet, by instance id. Two
// supervisors of one process may share a name and a state dir: a lock that names this process
// is abandoned only when its instance is not in this set.
const live = new Set<string>();

/** Marks a launch as live until {@link forgetInstance} (its group is gone, or was SIGKILLed). */
export function rememberInstance(instanceId: string): void {
  live.add(instanceId);
}

export function forgetInstance(instanceId: string): void {
  live.delete(instanceId);
}

/** True while a supervisor of this process still owns the instance. */
export function isLiveInstance(instanceId: string): boolean {
  return live.has(instanceId);
}

/** The instance ids live in this process (their log files must not be pruned). */
export function liveInstanceIds(): Iterable<string> {
  return live.values();
}
