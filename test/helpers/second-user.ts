import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Tests of what another local user can do need root (to create that user) and the shadow tools. */
export const canCreateUsers = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/sbin/useradd') && existsSync('/usr/sbin/runuser');

/** Says loudly, once per file, why the attacks by a second user were not run. */
export function warnSkippedSecondUser(what: string): void {
  if (!canCreateUsers) console.warn(`SKIPPED: ${what} needs root with useradd and runuser (uid ${process.getuid?.()}); the attack by a second local user was not run`);
}

/** A throw-away local user: the attacker of these tests. */
export interface SecondUser {
  name: string;
  uid: number;
  gid: number;
  /** Runs a shell command as this user; resolves with its output, rejects when it fails. */
  sh(script: string, env?: Record<string, string>): Promise<string>;
}

// other checkouts create users too: useradd and userdel wait for each other's lock on /etc/passwd
async function retryLocked(file: string, args: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run(file, args);
      return;
    } catch (error) {
      if (attempt >= 20 || !/lock/i.test(String((error as { stderr?: string }).stderr))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Creates a user without a home or login shell. Remove it with {@link removeSecondUser}, in a `finally` or `afterAll`. */
export async function createSecondUser(): Promise<SecondUser> {
  const name = `blatk${randomBytes(4).toString('hex')}`;
  await retryLocked('/usr/sbin/useradd', ['--no-create-home', '--shell', '/bin/sh', '--user-group', name]);
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const gid = Number((await run('id', ['-g', name])).stdout.trim());
  return {
    name,
    uid,
    gid,
    sh: async (script, env = {}) => (await run('/usr/sbin/runuser', ['-u', name, '--', '/usr/bin/env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), '/bin/sh', '-c', script], { cwd: '/' })).stdout,
  };
}

/** Removes the user and every process it still runs (only that user's: it was made for this test). */
export async function removeSecondUser(user: SecondUser | undefined): Promise<void> {
  if (!user) return;
  await run('pkill', ['-KILL', '-u', String(user.uid)]).catch(() => {});
  await retryLocked('/usr/sbin/userdel', [user.name]);
}
