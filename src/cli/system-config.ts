import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BackendServiceOptions, BackendSystemOptions } from '../system.js';
import { describeFsError } from '../private-dir.js';
import { isPlainObject } from '../validate.js';
import { firstDuplicateKey } from './json-duplicates.js';

/** A system file that cannot be used: exit 2, the file and the reason in one line. */
export class ConfigError extends Error {}

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
 * Reads a system file for `backend-lifecycle up`: JSON of the shape
 * `{ "services": { "<name>": { "command": ..., "args": [...], "dependsOn": [...] } } }`, each
 * service taking the supervisor's options. Relative `cwd`, `logDir` and `stateDir` are resolved
 * against the file's folder, which is also every service's default `cwd`. The options themselves
 * are checked by `createBackendSystem` (`INVALID_OPTIONS`, naming `services.<name>.<option>`).
 *
 * @example
 * const options = loadSystemFile('examples/system.json');
 * const system = createBackendSystem(options);
 */
export function loadSystemFile(path: string): BackendSystemOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (ENOENT)' : describeFsError(error);
    throw new ConfigError(`cannot read the system file ${path}: ${why}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the system file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate) {
    const where = duplicate.path === 'services' ? 'two services are' : `"${duplicate.path || '(top level)'}" has two keys`;
    throw new ConfigError(`the system file ${path}: ${where} named "${duplicate.key}"`);
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
