import type { BackendStatusInfo } from '../../machines/status.js';
import { terminalSafe } from './terminal-text.js';

const colours: Record<BackendStatusInfo['status'], string> = {
  stopped: '\x1b[90m',
  starting: '\x1b[33m',
  running: '\x1b[32m',
  stopping: '\x1b[33m',
  error: '\x1b[31m',
};

/** One human line: `● running  port 1733  pid 4242  restarts 0  http://127.0.0.1:1733`; what the backend said is shown escaped. */
export function statusLine(status: BackendStatusInfo, colour: boolean, baseUrl?: string): string {
  const parts = [`${status.status.padEnd(8)}`];
  if (status.port) parts.push(`port ${status.port}`);
  if (status.pid !== undefined) parts.push(`pid ${status.pid}`);
  parts.push(`restarts ${status.restarts}`);
  if (status.phase !== status.status) parts.push(`(${status.phase})`);
  if (status.detail) parts.push(`- ${status.detail}`);
  if (status.error && status.status !== 'running') parts.push(`- ${status.error.code}`);
  if (baseUrl && status.status === 'running') parts.push(baseUrl);
  const dot = colour ? `${colours[status.status]}●\x1b[0m` : '●';
  return `${dot} ${terminalSafe(parts.join('  '))}`;
}

/** Writes status changes: JSON lines, a line that updates in place on a TTY, or plain lines. */
export function createStatusWriter(stream: NodeJS.WriteStream, json: boolean, urlOf?: () => string | undefined): (status: BackendStatusInfo) => void {
  if (json) return (status) => stream.write(`${JSON.stringify(status)}\n`);
  if (!stream.isTTY) return (status) => stream.write(`${statusLine(status, false, urlOf?.())}\n`);
  return (status) => stream.write(`\r\x1b[2K${statusLine(status, true, urlOf?.())}${status.status === 'stopped' ? '\n' : ''}`);
}
