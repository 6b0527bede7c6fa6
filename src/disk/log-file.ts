import { createWriteStream, openSync, readdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { liveInstanceIds } from './live-instances.js';

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
  /** `text` with the secrets replaced, as in the file: for anything else the backend says (STATUS= lines). */
  redact(text: string): string;
  readonly addressInUse: boolean;
  /** Resolves once everything written so far is in the file (an error that names the log can be read at once). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

function timestampForFile(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** Log files of launches of the supervisor called `name`, and of no other (`api` never matches `api-worker-…`). */
function ownLogPattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/[.]/g, '\\.')}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z-([0-9a-f]{8})\\.log$`);
}

function pruneOldLaunches(dir: string, name: string): void {
  const pattern = ownLogPattern(name);
  const live = new Set([...liveInstanceIds()].map((id) => id.slice(0, 8)));
  const launches: { file: string; mtime: number }[] = [];
  for (const file of readdirSync(dir)) {
    const match = pattern.exec(file);
    if (!match || live.has(match[1] as string)) continue; // a live launch of a sibling supervisor keeps its log
    try {
      launches.push({ file, mtime: statSync(join(dir, file)).mtimeMs });
    } catch {
      // pruned meanwhile by another supervisor sharing the folder
    }
  }
  launches.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of launches.slice(keptLaunches - 1)) {
    rmSync(join(dir, file), { force: true });
    rmSync(join(dir, `${file}.1`), { force: true });
  }
}

/**
 * A stream on `path` whose file exists when this returns (one open(2) of a private local file): a
 * rotation renames it, and a stream that opened later had not created it yet, so a second rotation
 * in a burst of output found nothing to rename and the file grew past its cap. Throws when the file
 * cannot be opened.
 */
function openNow(path: string): WriteStream {
  return quiet(createWriteStream(path, { fd: openSync(path, 'a', 0o600) }));
}

/** A full disk must not take the supervisor down: the stream's errors are heard by nobody. */
function quiet(stream: WriteStream): WriteStream {
  stream.on('error', () => {});
  return stream;
}

/** The first file of a launch: opened now, or, when that fails, by a stream whose error nobody hears. */
function openStream(path: string): WriteStream {
  try {
    return openNow(path);
  } catch {
    // the folder went away under us
    return quiet(createWriteStream(path, { flags: 'a', mode: 0o600 }));
  }
}

// Launches that start together share one prune, run after their spawns: it reads the whole
// folder, which 50 launches at once did 50 times on the way to their spawns.
const prunesDue = new Set<string>();
function pruneSoon(dir: string, name: string): void {
  const key = `${dir}\0${name}`;
  if (prunesDue.has(key)) return;
  prunesDue.add(key);
  setImmediate(() => {
    prunesDue.delete(key);
    try {
      pruneOldLaunches(dir, name);
    } catch {
      // the folder went away under us: the next launch reports it when it opens its log
    }
  });
}

/** Opens the log of one launch in `dir` (already prepared: private and writable); older logs are pruned just after. */
export function openLaunchLog(dir: string, name: string, instanceId: string, maxBytes: number, secrets: string[]): LaunchLog {
  pruneSoon(dir, name);
  const path = join(dir, `${name}-${timestampForFile(new Date())}-${instanceId.slice(0, 8)}.log`);
  let stream = openStream(path);
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  // a multi-byte character may be split across two reads of the pipe
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  // a long line is written in pieces; the end of each piece waits in case a secret continues in the next
  const holdBack = Math.max(0, ...secrets.map((secret) => secret.length - 1));
  const recent: string[] = [];
  let written = 0;
  let dropped = 0;
  let addressInUse = false;

  const redact = (line: string) => secrets.reduce((text, secret) => text.split(secret).join('[REDACTED]'), line);
  let closed = false;
  const rotate = () => {
    written = 0;
    try {
      renameSync(path, `${path}.1`);
    } catch {
      // the folder was removed or locked under us: keep writing where we are, never crash the host
      return;
    }
    let next: WriteStream;
    try {
      next = openNow(path);
    } catch {
      // no descriptor left (EMFILE): the current file stays the log, past its cap, until a later rotation
      // can open one; a stream that failed to open would have dropped every line after it for good
      try {
        renameSync(`${path}.1`, path);
      } catch {
        // the folder went away meanwhile: the current stream still writes where it was
      }
      return;
    }
    // the old stream keeps its file descriptor: its pending writes land in the renamed file
    stream.end(`[backend-lifecycle] log rotated at ${maxBytes} bytes; continued in ${path}\n`);
    stream = next;
  };
  const append = (text: string) => {
    if (closed) return; // output still in the pipes after the launch ended

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
    redact,
    write(source, chunk) {
      const text = typeof chunk === 'string' ? chunk : decoders[source].write(chunk);
      const lines = (partial[source] + text).split('\n');
      partial[source] = lines.pop() ?? '';
      for (const line of lines) emitLine(source, line);
      if (partial[source].length > maxPartialLine) {
        const redacted = redact(partial[source]);
        const cut = redacted.length - holdBack;
        emitLine(source, redacted.slice(0, cut));
        partial[source] = redacted.slice(cut);
      }
    },
    note(line) {
      append(`[backend-lifecycle] ${redact(line)}\n`);
    },
    tail: () => [...recent],
    get addressInUse() {
      return addressInUse;
    },
    flush: () => new Promise((resolve) => stream.write('', () => resolve())),
    close() {
      for (const source of ['stdout', 'stderr'] as const) {
        partial[source] += decoders[source].end();
        if (partial[source] !== '') emitLine(source, partial[source]);
        partial[source] = '';
      }
      closed = true;
      return new Promise((resolve) => stream.end(() => resolve()));
    },
  };
}
