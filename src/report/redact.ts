import type { ResolvedOptions } from '../options/options.js';

/** Names of environment variables whose values are secret: `API_KEY`, `HF_TOKEN`, `DB_PASSWORD`, `SESSION_SECRET`… */
export const secretName = /KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|PRIVATE|SIGNATURE/i;

// names that match the pattern but hold no secret, only where one is kept (a path)
const notSecret = new Set(['XAUTHORITY']);

// values this short are too common to replace everywhere ("1", "true") and too weak to be a secret worth hiding
const minSecretLength = 4;

const marker = '[REDACTED]';

/** True for a variable whose value is secret (see {@link secretName}). */
export function isSecretName(name: string): boolean {
  return secretName.test(name) && !notSecret.has(name.toUpperCase());
}

/** The secret values of an environment: every value of a variable whose name {@link secretName} matches. */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && isSecretName(name))
    .map(([, value]) => value as string);
}

/**
 * The secrets every text that leaves a supervisor is cleaned of (status detail, errors, dialog
 * text, inspector events, its log): the API key, the keys a system passes to it from what it
 * depends on, and the values of secret-named variables of its options' and the process's
 * environment when long enough to be a secret (`TOKENIZERS_PARALLELISM=false` must not blot out
 * every "false" of the log). A report removes the shorter ones too.
 */
export function secretsOf(options: Pick<ResolvedOptions, 'apiKey' | 'env' | 'linkedEnv'>, apiKey: string | false): string[] {
  const linked = options.linkedEnv?.() ?? {};
  const all = [
    ...(apiKey ? [apiKey] : []),
    ...(typeof options.apiKey === 'string' ? [options.apiKey] : []),
    ...secretValues(linked),
    ...[...secretValues(options.env), ...secretValues(process.env)].filter((value) => value.length >= 8),
  ];
  // longest first: a secret that contains another is replaced whole
  return [...new Set(all.filter((secret) => secret.length >= minSecretLength))].sort((a, b) => b.length - a.length);
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
