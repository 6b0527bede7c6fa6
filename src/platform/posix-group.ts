/** Sends a signal to a POSIX process group; false when the group no longer exists. */
export function signalPosixGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EPERM: the group exists, but a member changed its user
    if (code === 'EPERM' && signal === 0) return true;
    if (code === 'ESRCH') return false;
    throw error;
  }
}

/** True while a process group has a member (zombies included: one syscall, no listing). */
export const posixGroupExists = (pgid: number): boolean => signalPosixGroup(pgid, 0);
