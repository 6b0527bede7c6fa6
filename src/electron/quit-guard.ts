import type { ElectronMainApi } from './electron-like.js';

/**
 * Holds app quit until the backend (or a whole system) is stopped: `will-quit` is prevented
 * synchronously, the backend stops (graceful, then forced), and the app exits with `app.exit(0)`.
 * `will-quit`, not `before-quit`: it comes only once every `before-quit` handler and every window
 * let the quit go on, so a quit cancelled elsewhere (unsaved changes) leaves the backend running.
 * `app.exit`, not a second `app.quit()`: the user's one quit already ran `before-quit` and closed
 * the windows; asking again would run `before-quit` twice, and a handler that cancelled the second
 * round would leave the app open with its backend stopped. If the stop takes longer than
 * `deadlineMs`, the app exits anyway (the supervisor's exit hook still ends the backend's group),
 * so quitting can never hang.
 */
export function guardQuit(app: ElectronMainApi['app'], target: { stop(): Promise<unknown> }, deadlineMs: number, log: (message: string) => void): () => void {
  let phase: 'running' | 'stopping' | 'exited' = 'running';
  const exit = () => {
    if (phase === 'exited') return;
    phase = 'exited';
    app.exit(0);
  };
  const onWillQuit = (event: { preventDefault(): void }) => {
    if (phase === 'exited') return;
    event.preventDefault();
    if (phase === 'stopping') return; // a second Cmd-Q while we stop: the first one is still on its way
    phase = 'stopping';
    const deadline = setTimeout(() => {
      log(`backend did not stop within ${deadlineMs} ms; exiting anyway`);
      exit();
    }, deadlineMs);
    Promise.resolve()
      .then(() => target.stop())
      .catch((error: unknown) => log(`backend stop failed: ${(error as Error)?.message ?? String(error)}`))
      .finally(() => {
        clearTimeout(deadline);
        exit();
      });
  };
  app.on('will-quit', onWillQuit);
  return () => {
    app.removeListener('will-quit', onWillQuit);
  };
}
