import type { ElectronMainApi } from './electron-like.js';

/**
 * Holds app quit until the backend (or a whole system) is stopped: `will-quit` is prevented synchronously, the
 * supervisor stops (graceful, then forced), and the app quits again. `will-quit`, not
 * `before-quit`: it comes only once every `before-quit` handler and every window let the quit
 * go on, so a quit cancelled elsewhere (unsaved changes) leaves the backend running and is never
 * re-issued. If the stop takes longer than `deadlineMs`, `app.exit()` ends the app anyway (the
 * supervisor's exit hook still ends the backend's group), so quitting can never hang.
 */
export function guardQuit(app: ElectronMainApi['app'], supervisor: { stop(): Promise<unknown> }, deadlineMs: number, log: (message: string) => void): () => void {
  let phase: 'running' | 'stopping' | 'released' = 'running';
  const onWillQuit = (event: { preventDefault(): void }) => {
    if (phase === 'released') return;
    event.preventDefault();
    if (phase === 'stopping') return; // a second Cmd-Q while we stop: the first one is still on its way
    phase = 'stopping';
    const deadline = setTimeout(() => {
      log(`backend did not stop within ${deadlineMs} ms; exiting anyway`);
      phase = 'released';
      app.exit(0);
    }, deadlineMs);
    supervisor
      .stop()
      .catch((error: unknown) => log(`backend stop failed: ${(error as Error).message}`))
      .finally(() => {
        clearTimeout(deadline);
        if (phase === 'released') return;
        phase = 'released';
        app.quit();
      });
  };
  app.on('will-quit', onWillQuit);
  return () => {
    app.removeListener('will-quit', onWillQuit);
  };
}
