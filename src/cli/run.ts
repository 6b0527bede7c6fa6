import { BackendError } from '../errors.js';
import { createBackendSupervisor } from '../supervisor.js';
import type { RunCommand } from './parse-args.js';
import { createStatusWriter } from './render.js';

/**
 * Runs the supervisor until a signal stops it (exit 0) or the backend cannot be (re)started any
 * more (exit 1, one line on stderr with the cause and the log file).
 */
export async function runSupervisor(command: RunCommand): Promise<number> {
  const supervisor = createBackendSupervisor(command.options);
  const write = createStatusWriter(process.stdout, command.json);
  write(supervisor.getStatus());
  supervisor.subscribe(write);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(code);
    };
    const onSignal = () => {
      // a terminal's Ctrl-C reaches both npm and us: the second copy must not start a second stop
      if (stopping) return;
      stopping = true;
      void supervisor.stop().then(() => finish(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    supervisor.subscribe((status) => {
      if (status.status !== 'error' || stopping) return;
      stopping = true;
      if (!command.json && process.stdout.isTTY) process.stdout.write('\n');
      process.stderr.write(`backend-lifecycle: ${status.error?.code ?? 'ERROR'}: ${status.error?.message ?? 'the backend could not be started'}\n`);
      void supervisor.stop().then(() => finish(1));
    });
    supervisor.start().catch((error: unknown) => {
      // failures surface through the 'error' status above; anything else is a bug worth showing
      if (!(error instanceof BackendError)) process.stderr.write(`backend-lifecycle: ${String(error)}\n`);
    });
  });
}
