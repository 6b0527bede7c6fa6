import { describe, expect, it } from 'vitest';
import { batchArgumentProblem, isBatchFile, quoteBatchArgument, setVariable, windowsVariable } from '../../src/process/windows-command.js';

// cmd.exe's view of a quoted argument: every " toggles "inside quotes"; outside them & | < > ^ act
function unquotedSpecials(line: string): string[] {
  let inside = false;
  const found: string[] = [];
  for (const char of line) {
    if (char === '"') inside = !inside;
    else if (!inside && '&|<>^()'.includes(char)) found.push(char);
  }
  return found;
}

// how a program's C runtime splits one quoted argument back (the part the tests use: "" and \")
function crtUnquote(quoted: string): string {
  if (!quoted.startsWith('"')) return quoted;
  let text = '';
  let backslashes = 0;
  const body = quoted.slice(1);
  for (let index = 0; index < body.length; index++) {
    const char = body[index] as string;
    if (char === '\\') {
      backslashes++;
      continue;
    }
    if (char === '"') {
      text += '\\'.repeat(Math.floor(backslashes / 2));
      if (backslashes % 2 === 1) text += '"';
      else if (body[index + 1] === '"') {
        text += '"';
        index++;
      } else break;
    } else text += '\\'.repeat(backslashes) + char;
    backslashes = 0;
  }
  return text;
}

describe('arguments for a batch file (BatBadBut, CVE-2024-27980)', () => {
  const injection = 'my project"&echo INJECTED> C:\\PWNED.txt&rem ';
  const safe = ['two words', 'say "hi"', 'a^b', 'x&y', 'p|q', '<in>', 'trailing\\', '', '!bang!', 'C:\\dir with space\\', injection, '""&calc&""'];
  // found attacking it: backslashes before quotes, odd quotes, tabs, carets at the end, non-ASCII, parentheses
  safe.push('a\\"&calc&"', '\\\\"&calc', '"', '"""', 'tab\there', 'caret^', '^', 'x^&y', 'é"&calc&"é', '(a)&(b)', ' leading');

  it('leaves plain words alone and quotes everything else', () => {
    expect(quoteBatchArgument('--port')).toBe('--port');
    expect(quoteBatchArgument('C:\\app\\server.py')).toBe('C:\\app\\server.py');
    expect(quoteBatchArgument('two words')).toBe('"two words"');
    expect(quoteBatchArgument('')).toBe('""');
    expect(quoteBatchArgument('say "hi"')).toBe('"say ""hi"""');
    expect(quoteBatchArgument('trailing\\')).toBe('"trailing\\\\"');
  });

  it.each(safe)('keeps cmd.exe inside quotes for %j, and the program reads it back as it was', (arg) => {
    const quoted = quoteBatchArgument(arg);
    // the line the script's %* expands to, and a second pass of it (set ARGS=%* then %ARGS%)
    expect(unquotedSpecials(`node app.mjs ${quoted} ${quoted}`)).toEqual([]);
    expect(crtUnquote(quoted)).toBe(arg);
  });

  it('refuses what no quoting makes safe: line breaks, NUL and %, naming why', () => {
    expect(batchArgumentProblem('first\r\necho INJECTED')).toMatch(/line break/);
    expect(batchArgumentProblem('a\nb')).toMatch(/line break/);
    expect(batchArgumentProblem('a\0b')).toMatch(/NUL/);
    expect(batchArgumentProblem('%PATH%')).toMatch(/contains %/);
    for (const arg of safe) expect(batchArgumentProblem(arg)).toBeUndefined();
  });

  it('knows a batch file by its extension, in any case', () => {
    expect(isBatchFile('C:\\venv\\Scripts\\serve.CMD')).toBe(true);
    expect(isBatchFile('run.bat')).toBe(true);
    expect(isBatchFile('python.exe')).toBe(false);
  });
});

describe('environment variables as Windows names them', () => {
  it('reads a variable whatever its case, and sets one name for all spellings', () => {
    const env: NodeJS.ProcessEnv = { Path: 'C:\\Windows', PATHEXT: '.EXE' };
    expect(windowsVariable(env, 'PATH')).toBe('C:\\Windows');
    setVariable(env, 'PATH', 'bin', true);
    expect(env).toEqual({ PATH: 'bin', PATHEXT: '.EXE' });
    setVariable(env, 'path', undefined, true);
    expect(env).toEqual({ PATHEXT: '.EXE' });
  });

  it('keeps POSIX names case-sensitive', () => {
    const env: NodeJS.ProcessEnv = { Path: 'a' };
    setVariable(env, 'PATH', 'b', false);
    expect(env).toEqual({ Path: 'a', PATH: 'b' });
  });
});
