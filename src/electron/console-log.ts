import { terminalSafe } from '../report/terminal-text.js';

/**
 * The Electron adapters' default log: `console.warn`, with every control character and bidi
 * override shown escaped. An app started from a terminal (`electron .`, `npm start`) writes its
 * main process's warnings there, and these messages carry what the backend printed last.
 *
 * @example
 * const log = options.log ?? warnOnConsole;
 */
export function warnOnConsole(message: string): void {
  console.warn(`[backend-lifecycle] ${terminalSafe(message)}`);
}
