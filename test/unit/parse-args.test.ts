import { describe, expect, it } from 'vitest';
import { parseRunArgs, parseUpArgs, UsageError } from '../../src/cli/parse-args.js';

describe('CLI arguments', () => {
  it('maps every documented flag onto supervisor options', () => {
    const parsed = parseRunArgs([
      'run', '--host', '127.0.0.2', '--port-base', '2000', '--port-attempts', '5', '--health-path', '/healthz',
      '--startup-timeout-ms', '1000', '--monitor-interval-ms', '200', '--failure-threshold', '4', '--grace-ms', '300',
      '--max-restarts', '2', '--restart-window-ms', '9000', '--identical-startup-crashes', '0', '--log-dir', 'logs', '--state-dir', 'state', '--json',
      '--write-env-file', 'backend.env', '--', 'python3', 'server.py', '--port', '{port}',
    ]);
    expect(parsed).toEqual({
      json: true,
      envFile: 'backend.env',
      options: {
        command: 'python3',
        args: ['server.py', '--port', '{port}'],
        host: '127.0.0.2',
        port: { base: 2000, attempts: 5 },
        health: { path: '/healthz', startupTimeoutMs: 1000, monitorIntervalMs: 200, failureThreshold: 4 },
        shutdown: { graceMs: 300 },
        restart: { maxRestarts: 2, windowMs: 9000, identicalStartupCrashes: 0 },
        logDir: 'logs',
        stateDir: 'state',
      },
    });
  });

  it('a fixed --port, help, and usage errors', () => {
    expect(parseRunArgs(['run', '--port', '8080', '--', 'x'])?.options.port).toBe(8080);
    expect(parseRunArgs(['run', '--ui', '--ui-port', '9000', '--inspect-log', 'x.jsonl', '--', 'x'])).toMatchObject({ ui: { port: 9000 }, inspectLog: 'x.jsonl' });
    expect(parseRunArgs(['run', '--ui', '--', 'x'])?.ui).toEqual({ port: 0 });
    expect(parseRunArgs(['--help'])).toBeUndefined();
    expect(parseRunArgs(['run', '-h'])).toBeUndefined();
    expect(() => parseRunArgs(['serve'])).toThrow(new UsageError('Unknown command "serve": the commands are "run" and "up"'));
    expect(() => parseRunArgs(['run', 'x'])).toThrow(UsageError);
  });

  it('an empty file path is refused, not silently ignored (--report "" wrote no report and said nothing)', () => {
    for (const flag of ['--report', '--inspect-log', '--write-env-file']) {
      expect(() => parseRunArgs(['run', flag, '', '--', 'python3', 'server.py'])).toThrow(new UsageError(`Option ${flag} expects a file path, got an empty string`));
    }
    for (const flag of ['--report', '--inspect-log']) {
      expect(() => parseUpArgs([flag, '', 'system.json'])).toThrow(new UsageError(`Option ${flag} expects a file path, got an empty string`));
    }
  });
});
