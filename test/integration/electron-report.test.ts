import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachBackendToElectron } from '../../src/electron/main.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { supervise } from '../helpers/supervisor.js';

describe('electron failure dialog: "Save report…"', () => {
  it('saves the report of the failed launch where the user chooses, without the API key', async () => {
    const electron = electronDoubles();
    const run = supervise('gpu-out-of-memory.mjs');
    const file = join(run.dir, 'chosen-report.json');
    electron.dialog.response = 1; // the user clicks "Save report…"
    electron.dialog.saveTo = file;
    const logs: string[] = [];
    const detach = attachBackendToElectron(run.supervisor, { ...electron, trustedOrigins: ['file://'], log: (line) => logs.push(line) });
    await run.supervisor.start().catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the write completes after the file appears
    detach();
    expect(electron.dialog.shown[0]?.detail).toMatch(/^The GPU ran out of memory/);
    expect(electron.dialog.saveAsked).toEqual([{ title: 'Save backend report', defaultPath: 'backend-report.json', filters: [{ name: 'JSON', extensions: ['json'] }] }]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(run.supervisor.getApiKey() as string);
    expect(JSON.parse(text)).toMatchObject({ format: 'backend-lifecycle-report/1', status: { status: 'error' }, hint: expect.stringMatching(/^The GPU ran out of memory/) });
    expect(logs).toContain(`report saved to ${file}`);
  });

  it('a cancelled save writes nothing', async () => {
    const electron = electronDoubles();
    const run = supervise('gpu-out-of-memory.mjs');
    electron.dialog.response = 1;
    const detach = attachBackendToElectron(run.supervisor, { ...electron, trustedOrigins: ['file://'], log: () => {} });
    await run.supervisor.start().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    detach();
    expect(electron.dialog.saveAsked).toHaveLength(1);
  });
});
