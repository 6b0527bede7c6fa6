import { open } from 'node:fs/promises';

const maxBytes = 64 * 1024;
const maxLine = 500;

// a hostile or binary log must not carry terminal escapes or NULs into a report someone opens
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * The last `lines` lines of a log file (read without blocking: only its last 64 KiB), each passed
 * through `redact`, with control characters replaced and cut to 500 characters; `[]` when the file
 * cannot be read.
 *
 * @example
 * const lines = await readLogTail('/tmp/backend-lifecycle-1000/logs/backend-….log', 100);
 */
export async function readLogTail(file: string, lines: number, redact: (line: string) => string = (line) => line): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8').replace(/\r\n?/g, '\n');
    // the first line of a cut read is a fragment
    const all = text.split('\n');
    if (length < size) all.shift();
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).map((line) => {
      // redacted before it is cut: a cut must not leave the first half of a secret behind
      const clean = redact(line).replace(controls, '\uFFFD');
      return clean.length > maxLine ? `${clean.slice(0, maxLine)}… (${clean.length - maxLine} more characters)` : clean;
    });
  } catch {
    return [];
  } finally {
    await handle?.close();
  }
}
