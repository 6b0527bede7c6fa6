import { writeReport } from '../report/report.js';

/**
 * The CLI's one error line: `CODE: message`, with the hint (when the evidence gave one) before the
 * log file, so that the line still ends with the log: `… Hint: <what to do> Log: <file>`.
 */
export function errorLine(error: { code: string; message: string; hint?: string } | undefined, fallback: string): string {
  if (!error) return `ERROR: ${fallback}`;
  if (!error.hint) return `${error.code}: ${error.message}`;
  const log = /\. Log: (.*)$/.exec(error.message);
  const message = log ? error.message.slice(0, log.index) : error.message;
  return `${error.code}: ${message}. Hint: ${error.hint}${log ? ` Log: ${log[1]}` : ''}`;
}

/** Writes the report to `path` (0600) and says where, or why it could not. */
export async function saveReport(path: string, report: Promise<unknown>, complain: (line: string) => void): Promise<void> {
  try {
    await writeReport(path, await report);
    complain(`report written to ${path} (secrets redacted)`);
  } catch (error) {
    complain(`cannot write --report ${path}: ${(error as Error).message}`);
  }
}
