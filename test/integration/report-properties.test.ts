import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackendReport, BackendStatusInfo } from '../../src/index.js';
import { processesWithEnv } from '../helpers/leaks.js';
import { supervise, testMarker } from '../helpers/supervisor.js';

type Action = { kind: 'start' | 'stop' | 'restart' | 'crash' | 'startAndWait' | 'report' | 'reportAndStop' } | { kind: 'wait'; ms: number };

// report() calls weigh as much as the commands: they must meet every phase, stopping above all
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constantFrom<Action>({ kind: 'start' }, { kind: 'stop' }, { kind: 'restart' }, { kind: 'crash' }), weight: 2 },
  { arbitrary: fc.constantFrom<Action>({ kind: 'report' }, { kind: 'reportAndStop' }), weight: 2 },
  { arbitrary: fc.integer({ min: 30, max: 300 }).map((ms): Action => ({ kind: 'wait', ms })), weight: 2 },
  { arbitrary: fc.constant<Action>({ kind: 'startAndWait' }), weight: 1 },
);

const statuses = ['stopped', 'starting', 'running', 'stopping', 'error'];
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every piece of the key long enough to matter (12 characters), wherever it starts. */
function keyPieces(key: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + 12 <= key.length; start++) pieces.push(key.slice(start, start + 12));
  return pieces;
}

function expectStatus(status: BackendStatusInfo): void {
  expect(statuses).toContain(status.status);
  expect(status.timestamp).toMatch(isoTime);
  expect(Number.isInteger(status.port) && Number.isInteger(status.restarts) && Number.isInteger(status.sequence)).toBe(true);
  expect(typeof status.phase).toBe('string');
  if (status.error) expect(status.error).toMatchObject({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) });
}

/** The report's shape, its history in order and ending at its own status, its log free of control characters. */
function expectWellFormed(report: BackendReport): void {
  expect(report).toMatchObject({
    format: 'backend-lifecycle-report/1',
    createdAt: expect.stringMatching(isoTime),
    package: { name: 'backend-lifecycle', version: expect.any(String) },
    runtime: { node: process.versions.node },
    platform: { os: process.platform },
    options: { apiKey: '(a random key per supervisor)' },
  });
  expect(JSON.parse(JSON.stringify(report))).toEqual(report); // plain data only
  expectStatus(report.status);
  for (const status of report.statusChanges) expectStatus(status);
  const sequences = report.statusChanges.map((status) => status.sequence);
  expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  expect(new Set(sequences).size).toBe(sequences.length);
  expect(report.statusChanges.at(-1)?.sequence ?? report.status.sequence).toBe(report.status.sequence);
  for (const transition of report.transitions) expect(transition).toMatchObject({ at: expect.stringMatching(isoTime), event: expect.any(String), state: expect.any(String) });
  expect(Array.isArray(report.timelines)).toBe(true);
  expect(report.log.file === null || typeof report.log.file === 'string').toBe(true);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be absent
  for (const line of report.log.lines) expect(line).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
}

type Call = { settled: number; report?: BackendReport; error?: unknown };

describe('properties: report() interleaved with random commands and crashes against a real backend', () => {
  it('every report() settles exactly once with a well-formed report without the API key, a stop is never held up by one, and nothing is left running', async () => {
    const seen = { runs: 0, reports: 0, reportsWhileStopping: 0, stopsBeforeTheirReport: 0, withLogLines: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
        const { supervisor } = supervise('tells-its-key.mjs', { shutdown: { graceMs: 300 }, restart: { maxRestarts: 2, initialDelayMs: 20 } });
        const key = supervisor.getApiKey() ?? '';
        const calls: Call[] = [];
        const ask = () => {
          const call: Call = { settled: 0 };
          calls.push(call);
          if (supervisor.getStatus().status === 'stopping') seen.reportsWhileStopping++;
          const promise = supervisor.report();
          promise.then(
            (report) => Object.assign(call, { settled: call.settled + 1, report }),
            (error: unknown) => Object.assign(call, { settled: call.settled + 1, error }),
          );
          return call;
        };
        for (const step of actions) {
          if (step.kind === 'wait') await new Promise((resolve) => setTimeout(resolve, step.ms));
          else if (step.kind === 'crash') {
            const pid = supervisor.getStatus().pid;
            if (pid !== undefined) process.kill(pid, 'SIGKILL');
          } else if (step.kind === 'report') ask();
          else if (step.kind === 'reportAndStop') {
            // the report is asked first and the stop awaited alone: it must settle whatever the report does
            const call = ask();
            const stopped = await supervisor.stop().then(
              (status) => status.status,
              (error: { code?: string }) => error.code,
            );
            expect(stopped).toMatch(/^(stopped|STOP_FAILED)$/);
            if (call.settled === 0) seen.stopsBeforeTheirReport++;
          } else if (step.kind === 'startAndWait') await supervisor.start().catch(() => undefined);
          else supervisor[step.kind]().catch(() => undefined);
        }
        ask();
        const end = await supervisor.stop();
        ask();
        // a report is a read of what is there: it settles on its own, with no further command
        await new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (calls.every((call) => call.settled > 0)) {
              clearInterval(check);
              resolve();
            }
          }, 10);
        });
        await new Promise((resolve) => setTimeout(resolve, 20)); // a second settlement would show by now
        expect(end.status).toBe('stopped');
        expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
        const pieces = keyPieces(key);
        for (const call of calls) {
          expect(call.settled).toBe(1);
          expect(call.error).toBeUndefined();
          const report = call.report as BackendReport;
          expectWellFormed(report);
          const text = JSON.stringify(report);
          const leaked = pieces.find((piece) => text.includes(piece));
          expect(leaked, `the report contains ${leaked} of the API key`).toBeUndefined();
          if (report.log.lines.length > 0) seen.withLogLines++;
        }
        // the last report was asked after the stop: it says stopped
        expect(calls.at(-1)?.report?.status.status).toBe('stopped');
        seen.reports += calls.length;
        seen.runs++;
      }),
      { examples: [[[{ kind: 'startAndWait' }, { kind: 'report' }]]], numRuns: 15, interruptAfterTimeLimit: 70_000, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
    // the property must have met the interesting cases: reports of a backend that talked, and during stops
    expect(seen.withLogLines).toBeGreaterThan(0);
    console.log(
      `report properties: ${seen.runs} runs, ${seen.reports} reports (${seen.withLogLines} with log lines, ${seen.reportsWhileStopping} asked while stopping), ${seen.stopsBeforeTheirReport} stops settled before the report asked with them`,
    );
  }, 120_000);
});
