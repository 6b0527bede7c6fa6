import type { BackendStatusInfo } from '../../machines/status.js';
import type { ElectronMainApi } from './electron-like.js';

/**
 * Shows one error dialog when the backend cannot be (re)started any more, with the mapped message
 * and the log file. Retries in between are not announced; the next dialog needs a run in between.
 */
export function createFailureDialog(dialog: ElectronMainApi['dialog'], log: (message: string) => void) {
  let shown = false;
  return (status: BackendStatusInfo) => {
    if (status.status === 'running') shown = false;
    if (status.status !== 'error' || shown || !status.error) return;
    shown = true;
    const logLine = status.error.logFile ? `\n\nLog file: ${status.error.logFile}` : '';
    dialog
      .showMessageBox({
        type: 'error',
        title: 'Backend server failed to start',
        message: status.error.message.replace(/\. Log: .*$/, ''),
        detail: `Error code: ${status.error.code}${logLine}`,
        buttons: ['OK'],
      })
      .catch((error: unknown) => log(`could not show the failure dialog: ${(error as Error).message}`));
  };
}
