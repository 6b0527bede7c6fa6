import { closeSync, openSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { BackendError } from '../errors.js';
import { createInspectLog } from '../inspect-log.js';
import { describeFsError } from '../private-dir.js';
import { createBackendSupervisor } from '../supervisor.js';
import { InspectionHub } from '../ui/inspection-hub.js';
import { startUiServer, type UiServer } from '../ui/server.js';
import type { RunCommand } from './parse-args.js';
import { createStatusWriter } from './render.js';

/** A problem with what the CLI was asked to set up (exit 2, one line, no usage hint). */
export class SetupError extends Error {}

const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Fails now, with the path and the reason, if the inspection log cannot be written. */
function checkWritable(path: string): void {
  try {
    closeSync(openSync(path, 'a', 0o600));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory (ENOENT)' : describeFsError(error);
    throw new SetupError(`cannot write --inspect-log ${path}: ${why}`);
  }
}

async function openUi(...args: Parameters<typeof startUiServer>): Promise<UiServer> {
  try {
    return await startUiServer(...args);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use (EADDRINUSE)' : describeFsError(error);
    throw new SetupError(`cannot serve the inspector page on 127.0.0.1:${args[2]?.port ?? 0}: ${why}`);
  }
}

// a reader that went away (EPIPE) must not crash the CLI in the middle of a graceful stop
function tolerateClosedOutput(stream: NodeJS.WriteStream): () => boolean {
  let closed = false;
  stream.on('error', () => {
    closed = true;
  });
  return () => closed;
}

/**
 * Runs the supervisor until a signal stops it (exit 0) or the backend cannot be (re)started any
 * more (exit 1, one line on stderr with the cause and the log file).
 */
export async function runSupervisor(command: RunCommand): Promise<number> {
  if (command.inspectLog) checkWritable(command.inspectLog);
  const stdoutClosed = tolerateClosedOutput(process.stdout);
  const stderrClosed = tolerateClosedOutput(process.stderr);
  const complain = (line: string) => {
    if (!stderrClosed()) process.stderr.write(`backend-lifecycle: ${line}\n`);
  };
  const hub = command.ui ? new InspectionHub() : undefined;
  const inspectLog = command.inspectLog ? createInspectLog(command.inspectLog) : undefined;
  const inspect =
    hub || inspectLog
      ? (event: InspectionEvent) => {
          hub?.inspect(event);
          inspectLog?.inspect(event);
        }
      : undefined;
  const supervisor = createBackendSupervisor({ ...command.options, ...(inspect ? { inspect } : {}) });
  let ui: UiServer | undefined;
  if (hub && command.ui) {
    ui = await openUi(supervisor, hub, { port: command.ui.port }).catch(async (error: unknown) => {
      await inspectLog?.close();
      throw error;
    });
    complain(`inspector at ${ui.url}`);
  }
  const write = createStatusWriter(process.stdout, command.json);
  // the first line is the first change (starting), and the last is the outcome
  const stopWriting = supervisor.subscribe((status) => {
    if (!stdoutClosed()) write(status);
  });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      for (const signal of stopSignals) process.off(signal, onSignal);
      void Promise.all([ui?.close(), inspectLog?.close()]).then(() => resolve(code));
    };
    const onSignal = () => {
      // a terminal's Ctrl-C reaches both npm and us: the second copy must not start a second stop
      if (stopping) return;
      stopping = true;
      supervisor.stop().then(
        () => finish(0),
        (error: unknown) => {
          complain((error as Error).message);
          finish(1);
        },
      );
    };
    for (const signal of stopSignals) process.on(signal, onSignal);
    supervisor.subscribe((status) => {
      if (status.status !== 'error' || stopping) return;
      stopping = true;
      stopWriting(); // the error is the outcome: the clean-up below must not print a later "stopped"
      if (!command.json && process.stdout.isTTY && !stdoutClosed()) process.stdout.write('\n');
      complain(`${status.error?.code ?? 'ERROR'}: ${status.error?.message ?? 'the backend could not be started'}`);
      // the error line above is the one line; a failing stop cannot make it worse
      supervisor.stop().then(
        () => finish(1),
        () => finish(1),
      );
    });
    supervisor.start().catch((error: unknown) => {
      // failures surface through the 'error' status above; anything else is a bug worth showing
      if (!(error instanceof BackendError)) complain(String(error));
    });
  });
}
