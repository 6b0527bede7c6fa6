import { BackendError, invalidOption } from '../errors.js';

type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses keys the schema does not know: a typo must not silently fall back to a default. */
export function refuseUnknownKeys(value: Plain, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (value[key] !== undefined && !known.includes(key)) {
      const names = known.map((k) => `"${prefix}${k}"`).join(', ');
      throw new BackendError({
        code: 'INVALID_OPTIONS',
        message: `Unknown option "${prefix}${key}": the known options are ${names}`,
        details: { option: `${prefix}${key}` },
        retryable: false,
      });
    }
  }
}

export function integerOption(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 or 6 for an IP address, 0 for anything else (without loading node:net, which importing the package would pay for). */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (ipv4.test(host)) return 4;
  if (!host.includes(':') || /[^0-9A-Fa-f:.]/.test(host)) return 0;
  try {
    // the URL parser validates IPv6 literals (zone ids are not valid in URLs, nor here)
    return new URL(`http://[${host}]/`).hostname !== '' ? 6 : 0;
  } catch {
    return 0;
  }
}

/** Refuses a NUL byte: spawn() and the file system would throw on it far from the option's name. */
export function refuseNul(value: string, name: string): string {
  if (value.includes('\0')) throw invalidOption(name, 'a string without NUL bytes', value);
  return value;
}

export function stringOption(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(name, 'a non-empty string', value);
  return refuseNul(value, name);
}

export function objectOption(value: unknown, name: string, known: readonly string[]): Plain {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalidOption(name, 'an object', value);
  refuseUnknownKeys(value, known, `${name}.`);
  return value;
}

export function stringArrayOption(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidOption(name, 'an array of strings', value);
  }
  return value.map((item: string, index) => refuseNul(item, `${name}[${index}]`));
}

/** An environment: names without "=" or NUL, string values, and `undefined` meaning "remove it". */
export function environmentOption(value: unknown, name: string): Record<string, string | undefined> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalidOption(name, 'an object of string values', value);
  for (const [key, item] of Object.entries(value)) {
    if (key === '' || key.includes('=') || key.includes('\0')) throw invalidOption(name, 'variable names without "=" or NUL bytes', key);
    if (item !== undefined && typeof item !== 'string') throw invalidOption(`${name}.${key}`, 'a string', item);
    if (item !== undefined) refuseNul(item, `${name}.${key}`);
  }
  return { ...(value as Record<string, string | undefined>) };
}

export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
}
