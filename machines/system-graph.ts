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
  // depth first with a stack of its own: a chain of thousands of services must neither overflow
  // the call stack nor copy its path at every step (creation stays linear in the services)
  for (const root of Object.keys(services)) {
    if (state.has(root)) continue;
    const path: { name: string; next: number }[] = [{ name: root, next: 0 }];
    state.set(root, 'visiting');
    while (path.length > 0) {
      const top = path[path.length - 1] as { name: string; next: number };
      const dependency = services[top.name]?.dependsOn[top.next++];
      if (dependency === undefined) {
        state.set(top.name, 'done');
        order.push(top.name);
        path.pop();
      } else if (state.get(dependency) === 'visiting') {
        const names = path.map((step) => step.name);
        throw new SystemGraphError(`dependency cycle: ${[...names.slice(names.indexOf(dependency)), dependency].join(' → ')}`);
      } else if (!state.has(dependency)) {
        state.set(dependency, 'visiting');
        path.push({ name: dependency, next: 0 });
      }
    }
  }
  return order;
}

/** Every service's direct dependents, computed once (a lookup per service would make large systems quadratic). */
export function dependentsMap(services: Readonly<Record<string, SystemServiceSpec>>): Record<string, string[]> {
  const dependents: Record<string, string[]> = {};
  for (const name of Object.keys(services)) dependents[name] = [];
  for (const [name, spec] of Object.entries(services)) for (const dependency of spec.dependsOn) dependents[dependency]?.push(name);
  return dependents;
}
