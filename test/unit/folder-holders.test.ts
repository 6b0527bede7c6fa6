import { describe, expect, it } from 'vitest';
import { windowsHoldersIn } from '../../src/diagnose/folder-holders.js';

const self = { pid: 500, execPath: 'C:\\Program Files\\My App\\My App.exe' };
const folder = 'C:\\Program Files\\My App';

describe('windowsHoldersIn: the Windows process table read for the update gate', () => {
  it('reads wmic ExecutablePath rows, paths with spaces, and skips the header and image-less rows', () => {
    const lines = [
      'ExecutablePath                                         ParentProcessId  ProcessId',
      '                                                       0                4',
      'C:\\Program Files\\My App\\resources\\python\\python.exe    500              612',
      'C:\\Windows\\System32\\svchost.exe                       48               700',
      'c:\\program files\\my app\\resources\\helper 2.exe        612              613',
    ];
    expect(windowsHoldersIn(lines, folder, self)).toEqual([
      { pid: 612, command: 'C:\\Program Files\\My App\\resources\\python\\python.exe', file: 'C:\\Program Files\\My App\\resources\\python\\python.exe' },
      { pid: 613, command: 'c:\\program files\\my app\\resources\\helper 2.exe', file: 'c:\\program files\\my app\\resources\\helper 2.exe' },
    ]);
  });

  it("reads Wine's CommandLine rows (quoted programs, arguments ending in digits) and PowerShell's lines", () => {
    const lines = ['CommandLine  ParentProcessID  ProcessID', '"C:\\Program Files\\My App\\node.exe" -e "setTimeout(() => {}, 1000)" 7 48  900', 'C:\\Program Files\\My App Two\\x.exe 1 901'];
    expect(windowsHoldersIn(lines, folder, self)).toEqual([{ pid: 900, command: 'C:\\Program Files\\My App\\node.exe" -e "setTimeout(() => {}, 1000)" 7', file: 'C:\\Program Files\\My App\\node.exe' }]);
  });

  it("leaves the app itself and its own helpers to the installer, but not another instance of the app", () => {
    const lines = [`${self.execPath} 4 500`, `${self.execPath} 500 501`, `${self.execPath} 4 777`];
    expect(windowsHoldersIn(lines, `${folder}\\`, self).map((holder) => holder.pid)).toEqual([777]);
  });
});
