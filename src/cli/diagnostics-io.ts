import { writeReport } from '../report/report.js';

/** Prints `hint: …` on stderr once per failure, after its error line. */
export function hintOnce(complain: (line: string) => void): (hint: string | undefined) => void {
  let last: string | undefined;
  return (hint) => {
    if (hint === undefined || hint === last) return;
    last = hint;
    complain(`hint: ${hint}`);
  };
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
