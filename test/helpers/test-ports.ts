import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Below Linux's ephemeral range (32768+), so an outgoing connection never sits on a test port.
const FIRST_PORT = 20_000;
const LAST_PORT = 32_000;
// A claim lives for its epoch and the next one: at least one epoch, longer than any test keeps a port.
const EPOCH_MS = 120_000;
const claimsDir = join(tmpdir(), `backend-lifecycle-test-ports-${process.getuid?.() ?? 'user'}`);

// Every claim is one unit of this many ports, whatever size was asked for, so claims never overlap.
const UNIT = 20;
const epochOf = (ms: number) => Math.floor(ms / EPOCH_MS);
const claimName = (block: number, epoch: number) => `${block}.${epoch}`;

function exists(names: Set<string>, block: number, epoch: number): boolean {
  return names.has(claimName(block, epoch));
}

function tryClaim(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function pruneOld(names: string[], epoch: number): void {
  for (const name of names) {
    const claimed = Number(name.split('.')[1]);
    if (claimed < epoch - 2) {
      try {
        unlinkSync(join(claimsDir, name));
      } catch {
        // another process pruned it first
      }
    }
  }
}

/**
 * A block of `size` ports that no other test claims at the same time, in this process or any
 * other (vitest workers, other checkouts' suites running on the same machine): each block is a
 * file created exclusively in one shared folder, valid for two epochs.
 */
export function claimPortBlock(size: number): { base: number; attempts: number } {
  if (!Number.isInteger(size) || size < 1 || size > UNIT) throw new Error(`a test port block holds 1 to ${UNIT} ports, not ${size}`);
  mkdirSync(claimsDir, { recursive: true, mode: 0o700 });
  const blocks = Math.floor((LAST_PORT - FIRST_PORT) / UNIT);
  const start = Math.floor(Math.random() * blocks);
  for (let round = 0; round < 2; round++) {
    const epoch = epochOf(Date.now());
    const names = readdirSync(claimsDir);
    pruneOld(names, epoch);
    const taken = new Set(names);
    for (let i = 0; i < blocks; i++) {
      const block = (start + i) % blocks;
      const key = block * UNIT;
      if (exists(taken, key, epoch) || exists(taken, key, epoch - 1)) continue;
      if (!tryClaim(join(claimsDir, claimName(key, epoch)))) continue;
      const after = new Set(readdirSync(claimsDir));
      // a claimer across the epoch boundary may have checked before this file existed
      if (exists(after, key, epoch - 1) || exists(after, key, epoch + 1)) continue;
      return { base: FIRST_PORT + key, attempts: size };
    }
  }
  throw new Error(`no free test port block of ${size} in ${FIRST_PORT}-${LAST_PORT} (claims in ${claimsDir})`);
}
