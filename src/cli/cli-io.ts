import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';
import { BackendError } from '../errors.js';
import { openPrivateAppend } from '../disk/inspect-log.js';
import { describeFsError } from '../disk/private-dir.js';
import { startUiServer, type UiServer } from '../ui/server.js';
import { terminalSafe } from '../report/terminal-text.js';

/** A problem with what the CLI was asked to set up (exit 2, one line, no usage hint). */
export class SetupError extends Error {}

/**
 * The signals that stop the CLI gracefully (SIGHUP: the terminal was closed; on Windows also the
 * console window, which then leaves a few seconds; SIGBREAK: Ctrl-Break, Windows only).
 */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/** Fails now, with the path and the reason, if the file cannot be written (or is not ours alone). */
export function checkWritable(path: string, flag = '--inspect-log'): void {
  try {
    closeSync(openPrivateAppend(path));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory (ENOENT)' : describeFsError(error);
    throw new SetupError(`cannot write ${flag} ${path}: ${why}`);
  }
}

/** The inspector page's server, or a SetupError naming the port and why it cannot be served. */
export async function openUi(...args: Parameters<typeof startUiServer>): Promise<UiServer> {
  try {
    return await startUiServer(...args);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use (EADDRINUSE)' : describeFsError(error);
    throw new SetupError(`cannot serve the inspector page on 127.0.0.1:${args[2]?.port ?? 0}: ${why}`);
  }
}

/**
 * Notes when a reader of `stream` went away (EPIPE), so that nothing more is written to it: that
 * must not crash the CLI in the middle of a graceful stop.
 */
export function tolerateClosedOutput(stream: NodeJS.WriteStream): () => boolean {
  let closed = false;
  stream.on('error', () => {
    closed = true;
  });
  return () => closed;
}

/**
 * The CLI's one-line messages on stderr (`backend-lifecycle: ...`), shown terminal-safe: they carry
 * what the backend printed last. Nothing is written once stderr's reader has gone.
 */
export function createComplain(stderrClosed: () => boolean): (line: string) => void {
  return (line) => {
    if (!stderrClosed()) process.stderr.write(`backend-lifecycle: ${terminalSafe(line)}\n`);
  };
}

/** What the CLI runs until a signal or a failure ends it: a supervisor or a system. */
export interface Supervised {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

/** Exit code after a second signal forced the stop (128 + SIGINT, as a shell reports an interrupted command). */
export const forcedExitCode = 130;

// a terminal's Ctrl-C reaches both npm and us at once: a copy within this window is not the user's second
const duplicateSignalMs = 500;

let hungUp = false;
// which stdio fds were a terminal, asked at start: a terminal that hung up no longer says it is one
const startedOnTerminal = [0, 1, 2].map((fd) => isatty(fd));

/**
 * Under npm (`npx`, `npm start`: `npm_command` is set), calls `gone` once the process that launched
 * the CLI has exited: npm runs it through `sh -c`, and a SIGTERM sent to npm alone ends npm and
 * that shell at once without passing it on. POSIX only (there the CLI is then re-parented). Returns
 * the function that ends the watch.
 */
export function watchNpmLauncher(gone: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  if (process.platform === 'win32' || env.npm_command === undefined) return () => {};
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    gone();
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** True once SIGHUP said the terminal is gone (stdio must then be let go before exit, see `main.ts`). */
export const terminalHungUp = (): boolean => hungUp;

/**
 * Starts `target` and resolves with the exit code: 0 after a graceful stop on SIGINT, SIGTERM or
 * SIGHUP (1 when that stop failed), 1 once `watchFailure` reports that `target` cannot go on (the
 * one line goes to stderr, `target` is stopped). A second signal during a stop says so on stderr
 * and calls `force` (ends what is left at once; exit 130), as docker compose does. `cleanup` runs
 * before the code is returned.
 */
export function runUntilStopped(
  target: Supervised,
  complain: (line: string) => void,
  cleanup: () => Promise<unknown>,
  watchFailure: (fail: (line: string, beforeLine?: () => void) => void) => void,
  force?: () => void,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stoppingSince: number | undefined;
    let forced = false;
    const finish = (code: number) => {
      unwatchLauncher();
      for (const signal of stopSignals) process.off(signal, onSignal);
      void cleanup().then(() => resolve(forced ? forcedExitCode : code));
    };
    const forceIfSecond = () => {
      if (forced || !force || Date.now() - (stoppingSince ?? 0) < duplicateSignalMs) return;
      forced = true;
      complain('second signal: ending what is left now (SIGKILL), without waiting for a graceful stop');
      force();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (signal === 'SIGHUP') hungUp = true;
      if (stoppingSince !== undefined) return forceIfSecond();
      stoppingSince = Date.now();
      target.stop().then(
        () => finish(0),
        (error: unknown) => {
          complain((error as Error).message);
          finish(1);
        },
      );
    };
    for (const signal of stopSignals) process.on(signal, onSignal);
    // npm gone (its SIGTERM never reached us): a graceful stop, never taken for a second signal
    const unwatchLauncher = watchNpmLauncher(() => {
      if (stoppingSince === undefined) onSignal('SIGTERM');
    });
    watchFailure((line, beforeLine) => {
      if (stoppingSince !== undefined) return;
      stoppingSince = Date.now();
      beforeLine?.();
      complain(line);
      // the line above is the outcome; a failing stop cannot make it worse
      target.stop().then(
        () => finish(1),
        () => finish(1),
      );
    });
    target.start().catch((error: unknown) => {
      // failures surface through watchFailure; anything else is a bug worth showing
      if (!(error instanceof BackendError)) complain(String(error));
    });
  });
}

/** Ends a supervised backend's whole group at once (SIGKILL; on Windows its tree), if one is up. */
export function killNow(supervisor: { getStatus(): { pid?: number } }): void {
  const { pid } = supervisor.getStatus();
  if (pid === undefined) return;
  // loaded with the first start already (the CLI must not load the process tools before it needs them)
  void import('../process/process-group.js').then(({ signalGroup }) => {
    try {
      signalGroup(pid, 'SIGKILL');
    } catch {
      // gone already: the supervisor's own stop confirms it
    }
  });
}

/**
 * Lets go of stdio that was a terminal which is gone (SIGHUP): at exit Node restores the terminal's
 * modes, and on a vanished terminal that fails with EIO and aborts the process (SIGABRT,
 * nodejs/node#51519). A replaced fd is skipped there. Called right before `process.exit`.
 */
export function releaseVanishedTerminal(): void {
  if (!hungUp) return;
  for (const fd of [0, 1, 2]) {
    try {
      if (!startedOnTerminal[fd]) continue;
      closeSync(fd);
      // the lowest free fd is this one: /dev/null takes its place, so nothing else can land on it
      openSync('/dev/null', 'r+');
    } catch {
      // already closed, or no /dev/null: nothing more to do
    }
  }
}
