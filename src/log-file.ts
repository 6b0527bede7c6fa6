import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const tailLines = 20;
// launches whose logs are kept per supervisor name; older ones are removed when a new launch starts
const keptLaunches = 20;
// output waiting for the disk beyond this is dropped (and counted), so a flood cannot grow memory
const maxBacklogBytes = 8 * 1024 * 1024;
const maxPartialLine = 64 * 1024;
const addressInUsePattern = /EADDRINUSE|address already in use/i;

/**
 * One launch's log: private (0600 in a 0700 folder), written without blocking, secrets redacted,
 * and size-capped by rotation: past `maxBytes` the file becomes `<file>.1` and a fresh one starts,
 * so the newest output (a crash's last words) is always kept and a launch never uses more than
 * twice `maxBytes` on disk.
 */
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

function pruneOldLaunches(dir: string, name: string): void {
  const launches = readdirSync(dir)
    .filter((file) => file.startsWith(`${name}-`) && file.endsWith('.log'))
    .map((file) => ({ file, mtime: statSync(join(dir, file)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of launches.slice(keptLaunches - 1)) {
    rmSync(join(dir, file), { force: true });
    rmSync(join(dir, `${file}.1`), { force: true });
  }
}

function openStream(path: string): WriteStream {
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', () => {}); // a full disk must not take the supervisor down
  return stream;
}

export function openLaunchLog(dir: string, name: string, instanceId: string, maxBytes: number, secrets: string[]): LaunchLog {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  pruneOldLaunches(dir, name);
  const path = join(dir, `${name}-${timestampForFile(new Date())}-${instanceId.slice(0, 8)}.log`);
  let stream = openStream(path);
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const recent: string[] = [];
  let written = 0;
  let dropped = 0;
  let addressInUse = false;

  const redact = (line: string) => secrets.reduce((text, secret) => text.split(secret).join('[REDACTED]'), line);
  const rotate = () => {
    stream.end(`[backend-lifecycle] log rotated at ${maxBytes} bytes; continued in ${path}\n`);
    // the old stream keeps its file descriptor: its pending writes land in the renamed file
    renameSync(path, `${path}.1`);
    stream = openStream(path);
    written = 0;
  };
  const append = (text: string) => {
    if (stream.writableLength > maxBacklogBytes) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      const note = `[backend-lifecycle] ${dropped} lines dropped: output came faster than the disk took it\n`;
      dropped = 0;
      append(note);
    }
    const bytes = Buffer.byteLength(text);
    if (written > 0 && written + bytes > maxBytes) rotate();
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
