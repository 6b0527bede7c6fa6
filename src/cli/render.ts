import type { BackendStatusInfo } from '../../machines/status.js';
import { terminalSafe } from '../report/terminal-text.js';

const colours: Record<BackendStatusInfo['status'], string> = {
  stopped: '\x1b[90m',
  starting: '\x1b[33m',
  running: '\x1b[32m',
  stopping: '\x1b[33m',
  error: '\x1b[31m',
};

// East Asian wide and fullwidth characters and emoji take two columns of a terminal
const wide = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;
const columnsOf = (character: string) => (wide.test(character) ? 2 : 1);

/**
 * `text` as it fits in fewer than `columns` terminal columns: whole when it does, else cut and
 * ending with "…".
 *
 * @example
 * fitToColumns('loading shard 1 of 400', 10); // 'loading …'
 */
export function fitToColumns(text: string, columns: number): string {
  const characters = [...text];
  if (characters.reduce((sum, character) => sum + columnsOf(character), 0) < columns) return text;
  let used = 0;
  let kept = '';
  for (const character of characters) {
    // room for the ellipsis, and the last column stays free
    if (used + columnsOf(character) > columns - 2) break;
    used += columnsOf(character);
    kept += character;
  }
  return `${kept}…`;
}

/**
 * One human line: `● running  port 1733  pid 4242  restarts 0  http://127.0.0.1:1733`; what the
 * backend said is shown escaped. With `columns`, the line is cut to fit a terminal that wide.
 */
export function statusLine(status: BackendStatusInfo, colour: boolean, baseUrl?: string, columns?: number): string {
  const parts = [`${status.status.padEnd(8)}`];
  if (status.port) parts.push(`port ${status.port}`);
  if (status.pid !== undefined) parts.push(`pid ${status.pid}`);
  parts.push(`restarts ${status.restarts}`);
  if (status.phase !== status.status) parts.push(`(${status.phase})`);
  if (status.detail) parts.push(`- ${status.detail}`);
  if (status.error && status.status !== 'running') parts.push(`- ${status.error.code}`);
  if (baseUrl && status.status === 'running') parts.push(baseUrl);
  const dot = colour ? `${colours[status.status]}●\x1b[0m` : '●';
  const text = terminalSafe(parts.join('  '));
  // the dot and the space take two columns
  return `${dot} ${columns !== undefined && columns > 4 ? fitToColumns(text, columns - 2) : text}`;
}

/** Writes status changes: JSON lines, a line that updates in place on a TTY, or plain lines. */
export function createStatusWriter(stream: NodeJS.WriteStream, json: boolean, urlOf?: () => string | undefined): (status: BackendStatusInfo) => void {
  if (json) return (status) => stream.write(`${JSON.stringify(status)}\n`);
  if (!stream.isTTY) return (status) => stream.write(`${statusLine(status, false, urlOf?.())}\n`);
  // a line wider than the terminal wraps, and clearing the cursor's row would leave its first rows behind
  return (status) => stream.write(`\r\x1b[2K${statusLine(status, true, urlOf?.(), stream.columns)}${status.status === 'stopped' ? '\n' : ''}`);
}
