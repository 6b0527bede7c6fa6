// C0 controls, DEL, C1 controls (U+0080-U+009F: 8-bit CSI, OSC, NEL...), the line and paragraph
// separators, and the bidirectional embeddings, overrides, isolates and marks that reorder a line
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const unsafeForTerminal = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text that came from a backend (or a config file), made safe to print on a terminal: every
 * control character and bidi override is shown escaped (`ESC` as `\x1b`, U+202E as `\u202e`), so
 * it can neither run a terminal command (title, clipboard, clear screen) nor reorder the line.
 *
 * @example
 * terminalSafe('done\x1b]0;pwned\x07'); // 'done\\x1b]0;pwned\\x07'
 */
export function terminalSafe(text: string): string {
  return text.replace(unsafeForTerminal, escaped);
}
