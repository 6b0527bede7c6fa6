import { killGroupNow } from './process-group.js';

const liveGroups = new Set<number>();
let installed = false;

function killLiveGroups(): void {
  for (const pgid of liveGroups) {
    try {
      killGroupNow(pgid);
    } catch {
      // Node is exiting: one group that cannot be ended must not keep the others alive
    }
  }
}

/**
 * Ends the backend's group (SIGKILL on POSIX, tree termination on Windows) if Node exits while
 * it is alive (app.exit(), process.exit(), a crash). One shared 'exit' listener serves every
 * supervisor, however many backends a process runs. Returns the function that forgets the group.
 */
export function killGroupOnExit(pgid: number): () => void {
  if (!installed) {
    process.on('exit', killLiveGroups);
    installed = true;
  }
  liveGroups.add(pgid);
  return () => {
    liveGroups.delete(pgid);
  };
}
