import { closeSync, openSync } from 'node:fs';
import { BackendError } from '../errors.js';
import { describeFsError } from '../private-dir.js';
import { startUiServer, type UiServer } from '../ui/server.js';

/** A problem with what the CLI was asked to set up (exit 2, one line, no usage hint). */
export class SetupError extends Error {}

/** The signals that stop the CLI gracefully (SIGHUP: the terminal was closed). */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Fails now, with the path and the reason, if the inspection log cannot be written. */
export function checkWritable(path: string, flag = '--inspect-log'): void {
  try {
    closeSync(openSync(path, 'a', 0o600));
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

/** What the CLI runs until a signal or a failure ends it: a supervisor or a system. */
export interface Supervised {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

/**
 * Starts `target` and resolves with the exit code: 0 after a graceful stop on SIGINT, SIGTERM or
 * SIGHUP (1 when that stop failed), 1 once `watchFailure` reports that `target` cannot go on (the
 * one line goes to stderr, `target` is stopped). `cleanup` runs before the code is returned.
 */
export function runUntilStopped(
  target: Supervised,
  complain: (line: string) => void,
  cleanup: () => Promise<unknown>,
  watchFailure: (fail: (line: string, beforeLine?: () => void) => void) => void,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      for (const signal of stopSignals) process.off(signal, onSignal);
      void cleanup().then(() => resolve(code));
    };
    const onSignal = () => {
      // a terminal's Ctrl-C reaches both npm and us: the second copy must not start a second stop
      if (stopping) return;
      stopping = true;
      target.stop().then(
        () => finish(0),
        (error: unknown) => {
          complain((error as Error).message);
          finish(1);
        },
      );
    };
    for (const signal of stopSignals) process.on(signal, onSignal);
    watchFailure((line, beforeLine) => {
      if (stopping) return;
      stopping = true;
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
