import { isSecretName, minSecretLength } from '../options/secrets.js';

export { isSecretName, secretName, secretsOf, secretValues } from '../options/secrets.js';

const marker = '[REDACTED]';

/**
 * Replaces every secret in every string of `value` (keys included), longest secret first, and also
 * the secret's JSON-escaped form: what is written afterwards cannot contain one byte for byte.
 *
 * @example
 * redactDeep({ line: 'key=abc123' }, ['abc123']); // { line: 'key=[REDACTED]' }
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const list = [...new Set(secrets.filter((secret) => secret.length >= minSecretLength))].sort((a, b) => b.length - a.length);
  const forms = [...new Set(list.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]))];
  const text = (input: string) => cutEnds(forms.reduce((result, secret) => result.split(secret).join(marker), input), forms);
  const walk = (input: unknown): unknown => {
    if (typeof input === 'string') return text(input);
    if (Array.isArray(input)) return input.map(walk);
    if (typeof input === 'object' && input !== null) return Object.fromEntries(Object.entries(input).map(([key, inner]) => [text(key), walk(inner)]));
    return input;
  };
  return walk(value) as T;
}

const ellipsis = '…';

/**
 * A text cut short elsewhere (an output tail, a long line) may keep part of a secret at the cut:
 * its start before "…" or at the end, its end after "…" or at the start. Those parts go too.
 */
function cutEnds(input: string, secrets: readonly string[]): string {
  let text = input;
  for (const secret of secrets) {
    for (let length = secret.length - 1; length >= minSecretLength; length--) {
      const start = secret.slice(0, length);
      const end = secret.slice(secret.length - length);
      text = text.split(`${start}${ellipsis}`).join(`${marker}${ellipsis}`).split(`${ellipsis}${end}`).join(`${ellipsis}${marker}`);
      if (text.endsWith(start)) text = `${text.slice(0, text.length - length)}${marker}`;
      if (text.startsWith(end)) text = `${marker}${text.slice(length)}`;
    }
  }
  return text;
}

/** Redacts the variables whose names are secret: `{ HF_TOKEN: '[REDACTED]', MODE: 'dev' }`. */
export function redactEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === undefined ? null : isSecretName(name) ? marker : value]));
}
