import type { BackendStatusInfo } from '../../machines/status.js';
import type { ElectronMainApi } from './electron-like.js';

const saveLabel = 'Save report…';

/**
 * Shows one error dialog when the backend cannot be (re)started any more, with the mapped message,
 * the hint (what to do, when the evidence says why) and the log file. Retries in between are not
 * announced; the next dialog needs a run in between. With `report` and a dialog that can ask for a
 * file, it offers "Save report…": the supervisor's report (secrets redacted) as a JSON file.
 * `service`: the name of a system's service, in the title.
 */
export function createFailureDialog(dialog: ElectronMainApi['dialog'], log: (message: string) => void, report?: () => Promise<unknown>, service?: string) {
  let shown = false;
  const canSave = report !== undefined && typeof dialog.showSaveDialog === 'function';
  const save = async () => {
    const chosen = await dialog.showSaveDialog?.({ title: 'Save backend report', defaultPath: 'backend-report.json', filters: [{ name: 'JSON', extensions: ['json'] }] });
    if (!chosen || chosen.canceled || !chosen.filePath || !report) return;
    const { writeReport } = await import('../report/report.js');
    await writeReport(chosen.filePath, await report());
    log(`report saved to ${chosen.filePath}`);
  };
  return (status: BackendStatusInfo) => {
    if (status.status === 'running') shown = false;
    if (status.status !== 'error' || shown || !status.error) return;
    shown = true;
    const hint = status.error.hint ? `${status.error.hint}\n\n` : '';
    const logLine = status.error.logFile ? `\n\nLog file: ${status.error.logFile}` : '';
    dialog
      .showMessageBox({
        type: 'error',
        title: service === undefined ? 'Backend server failed to start' : `Backend service ${JSON.stringify(service)} failed to start`,
        message: status.error.message.replace(/\. Log: .*$/, ''),
        detail: `${hint}Error code: ${status.error.code}${logLine}`,
        buttons: canSave ? ['OK', saveLabel] : ['OK'],
      })
      .then((answer) => ((answer as { response?: number } | undefined)?.response === 1 && canSave ? save() : undefined))
      .catch((error: unknown) => log(`could not show the failure dialog or save the report: ${(error as Error).message}`));
  };
}
