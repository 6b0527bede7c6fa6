/** What a service does when one of its dependencies stops running (crash, restart, failure). */
export type DependencyPolicy = 'restart' | 'stop' | 'ignore';

/** One service of a system, as the system statechart sees it. */
export interface SystemServiceSpec {
  dependsOn: readonly string[];
  /**
   * `restart` (default): stopped while a dependency is down, started again once it runs (systemd's
   * BindsTo); `stop`: stopped and left down (Requires without restart); `ignore`: left alone (Wants).
   */
  onDependencyFailure: DependencyPolicy;
}

/** Why a dependency graph cannot be used; the message names the cycle or the unknown name. */
export class SystemGraphError extends Error {
  override name = 'SystemGraphError';
}

/**
 * The services in an order where every service comes after its dependencies; throws a
 * SystemGraphError for an unknown dependency or a cycle (named in order, e.g. `api → db → api`).
 *
 * @example
 * startOrder({ api: { dependsOn: ['db'], onDependencyFailure: 'restart' }, db: { dependsOn: [], onDependencyFailure: 'restart' } }); // ['db', 'api']
 */
export function startOrder(services: Readonly<Record<string, SystemServiceSpec>>): string[] {
  for (const [name, spec] of Object.entries(services)) {
    for (const dependency of spec.dependsOn) {
      // own keys only: `constructor` or `toString` are members of every object, not services
      if (!Object.hasOwn(services, dependency)) throw new SystemGraphError(`service "${name}" depends on "${dependency}", which is not a service of this system`);
      if (dependency === name) throw new SystemGraphError(`service "${name}" depends on itself`);
    }
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new SystemGraphError(`dependency cycle: ${cycle.join(' → ')}`);
    }
    state.set(name, 'visiting');
    for (const dependency of services[name]?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return order;
}

/** The services that depend on `name`, directly. */
export function dependentsOf(services: Readonly<Record<string, SystemServiceSpec>>, name: string): string[] {
  return Object.entries(services)
    .filter(([, spec]) => spec.dependsOn.includes(name))
    .map(([dependent]) => dependent);
}
