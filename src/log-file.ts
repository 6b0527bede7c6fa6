import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const tailLines = 20;
const maxPartialLine = 64 * 1024;
const addressInUsePattern = /EADDRINUSE|address already in use/i;

/** One launch's log: capped, private (0600 in a 0700 folder), written without blocking, secrets redacted. */
export interface LaunchLog {
  readonly path: string;
  /** Feeds a chunk of the backend's output (stdout or stderr). */
  write(source: 'stdout' | 'stderr', chunk: Buffer | string): void;
  /** A supervisor note, e.g. the exit code. */
  note(line: string): void;
  /** The last lines the backend printed, redacted. */
  tail(): string[];
  readonly addressInUse: boolean;
  close(): Promise<void>;
}

function timestampForFile(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

export function openLaunchLog(dir: string, name: string, instanceId: string, maxBytes: number, secrets: string[]): LaunchLog {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${name}-${timestampForFile(new Date())}-${instanceId.slice(0, 8)}.log`);
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', () => {}); // a full disk must not take the supervisor down
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const recent: string[] = [];
  let written = 0;
  let truncated = false;
  let addressInUse = false;

  const redact = (line: string) => secrets.reduce((text, secret) => text.split(secret).join('[REDACTED]'), line);
  const append = (text: string) => {
    if (truncated) return;
    const bytes = Buffer.byteLength(text);
    if (written + bytes > maxBytes) {
      truncated = true;
      stream.write(`[backend-lifecycle] log capped at ${maxBytes} bytes; further output dropped\n`);
      return;
    }
    written += bytes;
    stream.write(text);
  };
  const emitLine = (source: 'stdout' | 'stderr', raw: string) => {
    const line = redact(raw.replace(/\r$/, ''));
    if (addressInUsePattern.test(line)) addressInUse = true;
    if (line.trim() !== '') {
      recent.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (recent.length > tailLines) recent.shift();
    }
    append(source === 'stderr' ? `[err] ${line}\n` : `${line}\n`);
  };

  return {
    path,
    write(source, chunk) {
      const lines = (partial[source] + chunk.toString()).split('\n');
      partial[source] = lines.pop() ?? '';
      for (const line of lines) emitLine(source, line);
      if (partial[source].length > maxPartialLine) {
        emitLine(source, partial[source]);
        partial[source] = '';
      }
    },
    note(line) {
      append(`[backend-lifecycle] ${redact(line)}\n`);
    },
    tail: () => [...recent],
    get addressInUse() {
      return addressInUse;
    },
    close() {
      for (const source of ['stdout', 'stderr'] as const) {
        if (partial[source] !== '') emitLine(source, partial[source]);
        partial[source] = '';
      }
      return new Promise((resolve) => stream.end(() => resolve()));
    },
  };
}
