import { type DependencyPolicy, type SystemServiceSpec, startOrder } from '../../machines/system-graph.js';
import { BackendError, invalidOption } from '../errors.js';
import { isFileSafeName, maxNameLength, tooLongName } from './options.js';
import type { BackendSupervisorOptions } from './options-types.js';
import { custom, type OptionSpec, resolveOption } from './schema.js';

/** One service of a system: a supervisor's options, plus what it needs. */
export interface BackendServiceOptions extends BackendSupervisorOptions {
  /** Services that must be running before this one starts. */
  dependsOn?: readonly string[];
  /** What happens to this service when a dependency stops running (default `restart`, see `SystemServiceSpec`). */
  onDependencyFailure?: DependencyPolicy;
}

function checkDependsOn(given: unknown, name: string): string[] {
  const dependsOn = given ?? [];
  if (!Array.isArray(dependsOn) || dependsOn.some((dependency) => typeof dependency !== 'string')) throw invalidOption(name, 'an array of service names', dependsOn);
  if (new Set(dependsOn).size !== dependsOn.length) throw invalidOption(name, 'each name once', dependsOn);
  return dependsOn as string[];
}

/** What a service of a system takes beside a supervisor's options. */
export const serviceFields = {
  dependsOn: custom<readonly string[]>()({
    type: 'custom',
    typeText: 'string[]',
    json: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    check: checkDependsOn,
    defaultText: '`[]`',
    doc: 'Services that must be running before this one starts; it learns each as `BACKEND_<NAME>_PORT`, `_URL`, `_API_KEY`.',
  }),
  onDependencyFailure: {
    type: 'enum',
    values: ['restart', 'stop', 'ignore'],
    expected: '"restart", "stop" or "ignore"',
    default: 'restart',
    doc: 'What happens to this service when a dependency stops running: restart with it, stop, or keep running.',
  },
} as const satisfies Record<Exclude<keyof BackendServiceOptions, keyof BackendSupervisorOptions>, OptionSpec>;

/** Runs a service's option check so that a refusal names the service: `services.api.port`. */
export function withinService<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof BackendError) || error.code !== 'INVALID_OPTIONS') throw error;
    const option = String(error.details?.option ?? '');
    const unknown = `Unknown option "${option}": `;
    // the supervisor's check lists the supervisor's options; a service also takes its own
    const serviceOptions = option.includes('.') ? '' : Object.keys(serviceFields).map((key) => `, "${key}"`).join('');
    throw new BackendError({
      code: 'INVALID_OPTIONS',
      message: error.message.startsWith(unknown)
        ? `Unknown option "services.${name}.${option}": ${error.message.slice(unknown.length)}${serviceOptions}`
        : error.message.replace(`Invalid option "${option}"`, `Invalid option "services.${name}.${option}"`),
      details: { option: `services.${name}.${option}` },
      retryable: false,
    });
  }
}

/** The prefix of the variables a dependent learns a service by: `BACKEND_<NAME>`. */
export const variablePrefix = (name: string): string => `BACKEND_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

function checkName(name: string, variables: Map<string, string>): void {
  if (!isFileSafeName(name)) throw invalidOption('services', 'service names of letters, digits, ".", "_" or "-"', name);
  // it names the service's log and lock files: refused here, not after its backend was spawned
  if (name.length > maxNameLength) throw invalidOption('services', '', name, `service ${tooLongName(name)}`);
  // as a key of a plain record it would replace the prototype instead of naming a service
  if (name === '__proto__') throw invalidOption('services', 'another name', name, '"__proto__" cannot name a service; rename it');
  const variable = variablePrefix(name);
  const sharing = variables.get(variable);
  if (sharing !== undefined) {
    throw invalidOption('services', 'names that differ in their variables', name, `services "${sharing}" and "${name}" would share the variables ${variable}_PORT, _URL and _API_KEY; rename one`);
  }
  variables.set(variable, name);
}

/**
 * Checks a system's services (names, policies, dependencies, one owner per fixed port, a graph
 * without cycles) and returns what the statechart needs of each. Linear in the services.
 */
export function validateServices(services: Readonly<Record<string, BackendServiceOptions>>): Record<string, SystemServiceSpec> {
  if (typeof services !== 'object' || services === null || Object.keys(services).length === 0) {
    throw invalidOption('services', 'an object with at least one service', services);
  }
  const specs: Record<string, SystemServiceSpec> = {};
  const fixedPorts = new Map<number, string>();
  const variables = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    checkName(name, variables);
    const policy = resolveOption(serviceFields.onDependencyFailure, service.onDependencyFailure, `services.${name}.onDependencyFailure`, {}) as DependencyPolicy;
    const dependsOn = resolveOption(serviceFields.dependsOn, service.dependsOn, `services.${name}.dependsOn`, {}) as string[];
    if (typeof service.port === 'number') {
      const other = fixedPorts.get(service.port);
      if (other) throw invalidOption(`services.${name}.port`, 'a port of its own', service.port, `services "${other}" and "${name}" both ask for port ${service.port}`);
      fixedPorts.set(service.port, name);
    }
    specs[name] = { dependsOn, onDependencyFailure: policy };
  }
  try {
    startOrder(specs);
  } catch (error) {
    throw invalidOption('services', 'an acyclic graph of known services', undefined, (error as Error).message);
  }
  return specs;
}

/**
 * The fixed ports of a system's services: no service's range may hand one out. A range probed
 * first would otherwise take a port that a service with a fixed port needs (and that one would
 * then be told its port "belongs to another program"). One list, shared by every service.
 */
export function fixedPortsOf(services: Readonly<Record<string, BackendServiceOptions>>): readonly number[] {
  return Object.values(services).flatMap((service) => (typeof service.port === 'number' ? [service.port] : []));
}
