import type { InspectionEvent } from 'xstate';
import { BackendError } from '../errors.js';
import { createInspectLog } from '../inspect-log.js';
import { createBackendSupervisor } from '../supervisor.js';
import { InspectionHub } from '../ui/inspection-hub.js';
import { startUiServer, type UiServer } from '../ui/server.js';
import type { RunCommand } from './parse-args.js';
import { createStatusWriter } from './render.js';

/**
 * Runs the supervisor until a signal stops it (exit 0) or the backend cannot be (re)started any
 * more (exit 1, one line on stderr with the cause and the log file).
 */
export async function runSupervisor(command: RunCommand): Promise<number> {
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
    ui = await startUiServer(supervisor, hub, { port: command.ui.port });
    process.stderr.write(`backend-lifecycle: inspector at ${ui.url}\n`);
  }
  const write = createStatusWriter(process.stdout, command.json);
  // JSON consumers want the whole sequence; a person does not need to be told it is stopped before it starts
  if (command.json) write(supervisor.getStatus());
  supervisor.subscribe(write);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void Promise.all([ui?.close(), inspectLog?.close()]).then(() => resolve(code));
    };
    const onSignal = () => {
      // a terminal's Ctrl-C reaches both npm and us: the second copy must not start a second stop
      if (stopping) return;
      stopping = true;
      supervisor.stop().then(
        () => finish(0),
        (error: unknown) => {
          process.stderr.write(`backend-lifecycle: ${(error as Error).message}\n`);
          finish(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    supervisor.subscribe((status) => {
      if (status.status !== 'error' || stopping) return;
      stopping = true;
      if (!command.json && process.stdout.isTTY) process.stdout.write('\n');
      process.stderr.write(`backend-lifecycle: ${status.error?.code ?? 'ERROR'}: ${status.error?.message ?? 'the backend could not be started'}\n`);
      // the error line above is the one line; a failing stop cannot make it worse
      supervisor.stop().then(
        () => finish(1),
        () => finish(1),
      );
    });
    supervisor.start().catch((error: unknown) => {
      // failures surface through the 'error' status above; anything else is a bug worth showing
      if (!(error instanceof BackendError)) process.stderr.write(`backend-lifecycle: ${String(error)}\n`);
    });
  });
}
