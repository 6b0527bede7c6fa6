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
