// The guard of one backend on Windows, run as a program: `node windows-guard.js <pid> <identity>`.
// It reads its stdin, a pipe from the supervisor that closes only when the supervisor is gone
// (even by TerminateProcess); then it ends the backend's tree, but only if the backend is still
// the process the supervisor started (same identity), so a recycled pid is never touched.
import { windowsPlatform } from '../platform/windows.js';

const [pidArgument, recorded] = process.argv.slice(2);
const pid = Number(pidArgument);

// a guard must not outlive its work: a process table that never answers (wmic hanging under load) would keep it forever
const workLimitMs = 30_000;

async function endTree(): Promise<void> {
  setTimeout(() => process.exit(0), workLimitMs);
  try {
    const now = await windowsPlatform.startTime(pid);
    // gone: its children may live on, found by parent pid (those of a stranger with its pid are not taken)
    if (now === recorded || now === undefined) await windowsPlatform.signalGroup(pid, 'SIGKILL');
  } finally {
    process.exit(0);
  }
}

if (!Number.isInteger(pid) || pid <= 0 || !recorded) {
  process.stderr.write('usage: windows-guard <backend pid> <backend identity>\n');
  process.exit(2);
}
// learn the identity now, while the backend surely runs, so the walk at the end knows its own
void windowsPlatform.startTime(pid);
const onClose = () => void endTree();
process.stdin.on('data', () => {});
process.stdin.once('end', onClose);
process.stdin.once('error', onClose);
