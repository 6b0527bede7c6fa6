/** Names of environment variables whose values are secret: `API_KEY`, `HF_TOKEN`, `DB_PASSWORD`, `SESSION_SECRET`… */
export const secretName = /KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|SIGNATURE|(?:^|_)PWD$/i;

// values this short are too common to replace everywhere ("1", "true") and too weak to be a secret worth hiding
const minSecretLength = 4;

const marker = '[REDACTED]';

/** The secret values of an environment: every value of a variable whose name {@link secretName} matches. */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && secretName.test(name))
    .map(([, value]) => value as string);
}

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
  const text = (input: string) => forms.reduce((result, secret) => result.split(secret).join(marker), input);
  const walk = (input: unknown): unknown => {
    if (typeof input === 'string') return text(input);
    if (Array.isArray(input)) return input.map(walk);
    if (typeof input === 'object' && input !== null) return Object.fromEntries(Object.entries(input).map(([key, inner]) => [text(key), walk(inner)]));
    return input;
  };
  return walk(value) as T;
}

/** Redacts the variables whose names are secret: `{ HF_TOKEN: '[REDACTED]', MODE: 'dev' }`. */
export function redactEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === undefined ? null : secretName.test(name) ? marker : value]));
}
