import { dirname, extname, isAbsolute, resolve } from 'node:path';
import type { BackendServiceOptions, BackendSystemOptions } from '../system.js';
import { isPlainObject } from '../options/validate.js';
import { readBoundedTextFile } from './read-bounded-file.js';
import { readYaml, YamlTextError } from './yaml-text.js';

/** A system file that cannot be used: exit 2, the file and the reason in one line. */
export class ConfigError extends Error {}

/** A system file is a few kilobytes; anything near this is a mistake or an attack. */
export const MAX_SYSTEM_FILE_BYTES = 1024 * 1024;

const formatOf = (path: string) => (extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML');

// options that are paths: relative ones mean "next to the system file", wherever the CLI runs
const pathOptions = ['cwd', 'logDir', 'stateDir'] as const;

function resolvePaths(service: Record<string, unknown>, base: string): BackendServiceOptions {
  const resolved: Record<string, unknown> = { ...service };
  for (const option of pathOptions) {
    const value = service[option];
    if (typeof value === 'string' && !isAbsolute(value)) resolved[option] = resolve(base, value);
  }
  resolved.cwd ??= base;
  return resolved as unknown as BackendServiceOptions;
}

/**
 * Reads a system file for `backend-lifecycle up`: YAML or JSON (JSON is YAML 1.2) of the shape
 * `{ "services": { "<name>": { "command": ..., "args": [...], "dependsOn": [...] } } }`, each
 * service taking the supervisor's options. Relative `cwd`, `logDir` and `stateDir` are resolved
 * against the file's folder, which is also every service's default `cwd`. The options themselves
 * are checked by `createBackendSystem` (`INVALID_OPTIONS`, naming `services.<name>.<option>`).
 * The file must be a regular file of at most 1 MiB; a byte-order mark is ignored; two services
 * (or two keys of one mapping) with one name, deep nesting and runaway aliases are refused with
 * the line and column.
 *
 * @example
 * const options = await loadSystemFile('examples/system.yaml');
 * const system = createBackendSystem(options);
 */
export async function loadSystemFile(path: string): Promise<BackendSystemOptions> {
  let text: string;
  try {
    text = readBoundedTextFile(path, MAX_SYSTEM_FILE_BYTES);
  } catch (error) {
    throw new ConfigError(`cannot read the system file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = await readYaml(text);
  } catch (error) {
    if (!(error instanceof YamlTextError)) throw error;
    const where = error.position ? `${path}:${error.position.line}:${error.position.column}` : path;
    const duplicate = /^(two services are|"[^"]*" has two keys) named/.test(error.reason);
    throw new ConfigError(duplicate ? `the system file ${where}: ${error.reason}` : `the system file ${where} is not valid ${formatOf(path)}: ${error.reason}`);
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed.services)) {
    throw new ConfigError(`the system file ${path} must hold an object with "services": { "<name>": { "command": ... } }`);
  }
  const unknown = Object.keys(parsed).filter((key) => key !== 'services' && key !== '$schema');
  if (unknown.length > 0) throw new ConfigError(`the system file ${path} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} (only "services")`);
  const base = dirname(resolve(path));
  // fromEntries keeps every name an own key ("__proto__" too, for createBackendSystem to refuse)
  const services = Object.fromEntries(
    Object.entries(parsed.services).map(([name, service]) => {
      if (!isPlainObject(service)) throw new ConfigError(`the system file ${path}: service "${name}" must be an object with at least "command"`);
      return [name, resolvePaths(service, base)];
    }),
  );
  return { services };
}
