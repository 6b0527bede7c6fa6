import type { InspectionEvent } from 'xstate';
import { createInspectLog } from '../disk/inspect-log.js';
import type { BackendStatusInfo } from '../../machines/status.js';
import { type BackendSystem, createBackendSystem } from '../system.js';
import { InspectionHub } from '../ui/inspection-hub.js';
import type { UiServer } from '../ui/server.js';
import { formatCriticalChain } from '../diagnose/system-timeline.js';
import { checkWritable, createComplain, killNow, openUi, runUntilStopped, SetupError, tolerateClosedOutput } from './cli-io.js';
import { errorLine, saveReport } from './diagnostics-io.js';
import type { UpCommand } from './parse-args.js';
import { statusLine } from './render.js';
import { ConfigError, loadSystemFile } from './system-config.js';

/** The system of the file, each service observed by its own inspector hub and the inspection log. */
async function createSystem(command: UpCommand, inspectLog: ReturnType<typeof createInspectLog> | undefined) {
  let options: Awaited<ReturnType<typeof loadSystemFile>>;
  try {
    options = await loadSystemFile(command.file);
  } catch (error) {
    throw error instanceof ConfigError ? new SetupError(error.message) : error;
  }
  const hubs = new Map<string, InspectionHub>();
  for (const [name, service] of Object.entries(options.services)) {
    const hub = command.ui ? new InspectionHub() : undefined;
    if (hub) hubs.set(name, hub);
    if (hub || inspectLog) {
      service.inspect = (event: InspectionEvent) => {
        hub?.inspect(event);
        inspectLog?.inspect(event);
      };
    }
  }
  const system = createBackendSystem({ ...options, ...(inspectLog ? { inspect: inspectLog.inspect } : {}) });
  return { system, hubs };
}

/** One inspector page per service, on consecutive ports from `--ui-port` (or any free ones). */
async function openPages(system: BackendSystem, hubs: Map<string, InspectionHub>, basePort: number): Promise<Map<string, UiServer>> {
  const pages = new Map<string, UiServer>();
  try {
    for (const [index, name] of system.names.entries()) {
      const hub = hubs.get(name);
      if (hub) pages.set(name, await openUi(system.service(name), hub, { port: basePort === 0 ? 0 : basePort + index }));
    }
  } catch (error) {
    await Promise.all([...pages.values()].map((page) => page.close()));
    throw error;
  }
  return pages;
}

/** Writes one line per service status change: JSON with its `service`, or `name  ● running ...` with its base URL, as `run` shows it. */
function createServiceWriter(stream: NodeJS.WriteStream, json: boolean, names: readonly string[], urlOf: (name: string) => string | undefined) {
  const width = Math.max(...names.map((name) => name.length));
  const colour = stream.isTTY === true;
  return (name: string, status: BackendStatusInfo) =>
    stream.write(json ? `${JSON.stringify({ service: name, ...status })}\n` : `${name.padEnd(width)}  ${statusLine(status, colour, urlOf(name))}\n`);
}

/**
 * Runs a system until a signal stops it (every service, dependents first; exit 0) or a service
 * cannot be (re)started any more (exit 1, one line on stderr naming the service, the cause and
 * its log file). A second signal during the stop kills what is left at once (exit 130).
 */
export async function runSystem(command: UpCommand): Promise<number> {
  if (command.inspectLog) checkWritable(command.inspectLog);
  if (command.report) checkWritable(command.report, '--report');
  const inspectLog = command.inspectLog ? createInspectLog(command.inspectLog) : undefined;
  let created: Awaited<ReturnType<typeof createSystem>>;
  try {
    created = await createSystem(command, inspectLog);
  } catch (error) {
    await inspectLog?.close();
    throw error;
  }
  const { system, hubs } = created;
  const stdoutClosed = tolerateClosedOutput(process.stdout);
  const stderrClosed = tolerateClosedOutput(process.stderr);
  const complain = createComplain(stderrClosed);
  const pages = command.ui
    ? await openPages(system, hubs, command.ui.port).catch(async (error: unknown) => {
        await inspectLog?.close();
        throw error;
      })
    : new Map<string, UiServer>();
  for (const [name, page] of pages) complain(`inspector for "${name}" at ${page.url}`);

  const write = createServiceWriter(process.stdout, command.json, system.names, (name) => system.service(name).getBaseUrl());
  // a service's error is its outcome: the clean-up's stop (which clears it) must not print a later "stopped"
  const outcomeWritten = new Set<string>();
  for (const name of system.names) {
    system.service(name).subscribe((status) => {
      if (!stdoutClosed() && !outcomeWritten.has(name)) write(name, status);
    });
  }

  if (command.timings) {
    let printed = false;
    system.subscribe((current) => {
      if (current.status !== 'running' || printed) return;
      printed = true;
      // the transition that made the last service run is recorded right after its status is published
      setImmediate(() => {
        if (!stderrClosed()) process.stderr.write(formatCriticalChain(system.timeline()));
      });
    });
  }
  return runUntilStopped(
    system,
    complain,
    () =>
      Promise.all([
        ...[...pages.values()].map((page) => page.close()),
        inspectLog?.close(),
        command.report ? saveReport(command.report, system.report(), complain) : undefined,
      ]),
    (fail) =>
      system.subscribe((current) => {
        if (current.status !== 'error') return;
        const failed = system.names.find((name) => current.services[name]?.status === 'error') ?? '?';
        const error = current.services[failed]?.error;
        // the others wind down in reverse order after this line, their statuses printed like any change
        fail(`service "${failed}": ${errorLine(error, 'it could not be started')}`, () => outcomeWritten.add(failed));
      }),
    () => {
      for (const name of system.names) killNow(system.service(name));
    },
  );
}
