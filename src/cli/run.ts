import type { InspectionEvent } from 'xstate';
import { createInspectLog } from '../disk/inspect-log.js';
import { createBackendSupervisor } from '../supervisor.js';
import { InspectionHub } from '../ui/inspection-hub.js';
import type { UiServer } from '../ui/server.js';
import { checkWritable, createComplain, killNow, openUi, runUntilStopped, tolerateClosedOutput } from './cli-io.js';
import { errorLine, saveReport } from './diagnostics-io.js';
import { keepEnvFile } from './env-file.js';
import type { RunCommand } from './parse-args.js';
import { createStatusWriter } from './render.js';

export { SetupError } from './cli-io.js';

/**
 * Runs the supervisor until a signal stops it (exit 0) or the backend cannot be (re)started any
 * more (exit 1, one line on stderr with the cause and the log file).
 */
export async function runSupervisor(command: RunCommand): Promise<number> {
  if (command.inspectLog) checkWritable(command.inspectLog);
  if (command.report) checkWritable(command.report, '--report');
  // refused before anything starts: a key must never go to a path someone else prepared
  const envFile = command.envFile === undefined ? undefined : keepEnvFile(command.envFile);
  const stdoutClosed = tolerateClosedOutput(process.stdout);
  const stderrClosed = tolerateClosedOutput(process.stderr);
  const complain = createComplain(stderrClosed);
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
  envFile?.follow(supervisor, complain);
  let ui: UiServer | undefined;
  if (hub && command.ui) {
    ui = await openUi(supervisor, hub, { port: command.ui.port }).catch(async (error: unknown) => {
      await inspectLog?.close();
      throw error;
    });
    complain(`inspector at ${ui.url}`);
  }
  const write = createStatusWriter(process.stdout, command.json, () => supervisor.getBaseUrl());
  // the first line is the first change (starting), and the last is the outcome
  const stopWriting = supervisor.subscribe((status) => {
    if (!stdoutClosed()) write(status);
  });

  return runUntilStopped(
    supervisor,
    complain,
    () => Promise.all([ui?.close(), inspectLog?.close(), envFile?.remove(), command.report ? saveReport(command.report, supervisor.report(), complain) : undefined]),
    (fail) =>
      supervisor.subscribe((status) => {
        if (status.status !== 'error') return;
        const line = errorLine(status.error, 'the backend could not be started');
        fail(line, () => {
          stopWriting(); // the error is the outcome: the clean-up must not print a later "stopped"
          if (!command.json && process.stdout.isTTY && !stdoutClosed()) process.stdout.write('\n');
        });
      }),
    () => killNow(supervisor),
  );
}
