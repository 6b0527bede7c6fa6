import { closeSync, openSync } from 'node:fs';
import { describeFsError } from '../private-dir.js';
import { startUiServer, type UiServer } from '../ui/server.js';

/** A problem with what the CLI was asked to set up (exit 2, one line, no usage hint). */
export class SetupError extends Error {}

/** The signals that stop the CLI gracefully (SIGHUP: the terminal was closed). */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Fails now, with the path and the reason, if the inspection log cannot be written. */
export function checkWritable(path: string): void {
  try {
    closeSync(openSync(path, 'a', 0o600));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory (ENOENT)' : describeFsError(error);
    throw new SetupError(`cannot write --inspect-log ${path}: ${why}`);
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

/** Notes when a reader of `stream` went away (EPIPE), so that nothing more is written to it. */
// a reader that went away (EPIPE) must not crash the CLI in the middle of a graceful stop
export function tolerateClosedOutput(stream: NodeJS.WriteStream): () => boolean {
  let closed = false;
  stream.on('error', () => {
    closed = true;
  });
  return () => closed;
}
