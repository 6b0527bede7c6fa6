// What counts as a secret of a supervisor: every text that leaves it is cleaned of these (report/redact.ts replaces them).
import type { ResolvedOptions } from './options.js';

// values this short are too common to replace everywhere ("1", "true") and too weak to be a secret worth hiding
export const minSecretLength = 4;

/** Names of environment variables whose values are secret: `API_KEY`, `HF_TOKEN`, `DB_PASSWORD`, `SESSION_SECRET`… */
export const secretName = /KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|PRIVATE|SIGNATURE/i;

// names that match the pattern but hold no secret, only where one is kept (a path)
const notSecret = new Set(['XAUTHORITY']);

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
export function secretsOf(
  options: Pick<ResolvedOptions, 'apiKey' | 'env' | 'linkedEnv'>,
  apiKey: string | false,
  // reading every variable of the process is the costly part: a caller may pass what it read before
  processSecrets: readonly string[] = secretValues(process.env),
): string[] {
  const linked = options.linkedEnv?.() ?? {};
  const all = [
    ...(apiKey ? [apiKey] : []),
    ...(typeof options.apiKey === 'string' ? [options.apiKey] : []),
    ...secretValues(linked),
    ...[...secretValues(options.env), ...processSecrets].filter((value) => value.length >= 8),
  ];
  // longest first: a secret that contains another is replaced whole
  return [...new Set(all.filter((secret) => secret.length >= minSecretLength))].sort((a, b) => b.length - a.length);
}
