import { closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { arch, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { LaunchTimeline } from '../diagnose/launch-timeline.js';
import { openPrivateAppend } from '../disk/inspect-log.js';
import type { ResolvedOptions } from '../options/options.js';
import type { TransitionRecord } from '../diagnose/history.js';
import { readLogTail } from './log-tail.js';
import { redactDeep, redactEnv, secretsOf, secretValues } from './redact.js';

/** A report to attach to a bug: plain JSON, every secret replaced by `[REDACTED]`. */
export interface BackendReport {
  format: 'backend-lifecycle-report/1';
  createdAt: string;
  package: { name: string; version: string };
  runtime: { node: string; electron?: string; xstate?: string };
  platform: { os: string; release: string; arch: string };
  /** The supervisor's options after validation; the API key and secret environment values redacted. */
  options: Record<string, unknown>;
  status: BackendStatusInfo;
  /** The hint of the last failure, if the evidence gave one. */
  hint?: string;
  /** The last 200 status changes, oldest first. */
  statusChanges: BackendStatusInfo[];
  /** The last 200 transitions of the lifecycle statechart, oldest first. */
  transitions: TransitionRecord[];
  /** The recent launches' timelines, oldest first. */
  timelines: LaunchTimeline[];
  /** The last 100 lines of the latest launch's log (control characters removed). */
  log: { file: string | null; lines: string[] };
}

/** What a supervisor hands the report builder. */
export interface ReportSources {
  options: ResolvedOptions;
  apiKey: string | false;
  status: BackendStatusInfo;
  statusChanges: BackendStatusInfo[];
  transitions: TransitionRecord[];
  timelines: LaunchTimeline[];
  logFile: string | undefined;
}

/**
 * The version of the package `name` that holds the file at `fileUrl()`, found by walking up to its
 * package.json; undefined where there is none: an app bundled it (as CommonJS, `import.meta` is empty).
 */
async function versionOf(name: string, fileUrl: () => string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = dirname(fileURLToPath(fileUrl()));
  } catch {
    return undefined;
  }
  for (;;) {
    try {
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name) return manifest.version;
    } catch {
      // not here: look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function plainOptions(options: ResolvedOptions): Record<string, unknown> {
  const { env, apiKey, inspect, linkedEnv: _linked, ...rest } = options;
  return {
    ...rest,
    env: redactEnv(env),
    apiKey: apiKey === false ? false : apiKey === undefined ? '(a random key per supervisor)' : '[REDACTED]',
    inspect: inspect ? '(an inspection observer)' : null,
  };
}

/**
 * The secrets a report must never contain: those of every other text of the supervisor (see
 * {@link secretsOf}), and every value of a secret-named variable of its options' environment, however short.
 */
export function reportSecrets(options: ResolvedOptions, apiKey: string | false): string[] {
  return [...secretsOf(options, apiKey), ...secretValues(options.env)];
}

/**
 * Builds the report of one supervisor (versions, platform, redacted options, history, timelines,
 * log tail, hint), with every secret removed from every field.
 *
 * @example
 * const report = await buildReport(sources);
 * await writeReport('/tmp/backend-report.json', report);
 */
export async function buildReport(sources: ReportSources): Promise<BackendReport> {
  const secrets = reportSecrets(sources.options, sources.apiKey);
  // the last failure's, even when a stop has cleared it from the current status since (`--report` on exit)
  const hint = [sources.status, ...[...sources.statusChanges].reverse()].find((status) => status.error?.hint)?.error?.hint;
  const logFile = sources.logFile ?? sources.status.error?.logFile;
  const xstate = await versionOf('xstate', () => import.meta.resolve('xstate'));
  const report: BackendReport = {
    format: 'backend-lifecycle-report/1',
    createdAt: new Date().toISOString(),
    package: { name: 'backend-lifecycle', version: (await versionOf('backend-lifecycle', () => import.meta.url)) ?? 'unknown' },
    runtime: { node: process.versions.node, ...(process.versions.electron ? { electron: process.versions.electron } : {}), ...(xstate ? { xstate } : {}) },
    platform: { os: process.platform, release: release(), arch: arch() },
    options: plainOptions(sources.options),
    status: sources.status,
    ...(hint ? { hint } : {}),
    statusChanges: sources.statusChanges,
    transitions: sources.transitions,
    timelines: sources.timelines,
    log: { file: logFile ?? null, lines: logFile ? await readLogTail(logFile, 100, (line) => redactDeep(line, secrets)) : [] },
  };
  return redactDeep(report, secrets);
}

/**
 * Writes a report as JSON, readable only by this user (0600), through {@link openPrivateAppend}:
 * the same checks as the inspection log at exit as at start (never through a link planted since,
 * never another user's file), then the file's old content is replaced; a write that fails part way
 * (a full disk) leaves the file empty, never half a report.
 */
export async function writeReport(path: string, report: unknown): Promise<void> {
  const fd = openPrivateAppend(path);
  try {
    ftruncateSync(fd, 0);
    writeFileSync(fd, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    // a full disk stops the write part way: half a report would look like one that was cut by its sender
    try {
      ftruncateSync(fd, 0);
    } catch {
      // the error that stopped the write is the one to report
    }
    throw error;
  } finally {
    closeSync(fd);
  }
}
