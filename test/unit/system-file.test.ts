import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadSystemFile, MAX_SYSTEM_FILE_BYTES } from '../../src/cli/system-config.js';
import { readYaml } from '../../src/cli/yaml-text.js';

const dir = mkdtempSync(join(tmpdir(), 'bl-system-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function refusal(path: string): Promise<string> {
  try {
    await loadSystemFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${path} was accepted`);
}

describe('system files in YAML or JSON', () => {
  it('reads the YAML example as the JSON one', async () => {
    const examples = join(import.meta.dirname, '../../examples');
    const yaml = await loadSystemFile(join(examples, 'system.yaml'));
    const json = await loadSystemFile(join(examples, 'system.json'));
    expect(yaml).toEqual(json);
    expect(Object.keys(yaml.services)).toEqual(['store', 'api']);
  });

  it('ignores a byte-order mark', async () => {
    const path = fileWith('bom.json', `\uFEFF${JSON.stringify({ services: { db: { command: 'x' } } })}`);
    expect((await loadSystemFile(path)).services.db).toMatchObject({ command: 'x' });
  });

  it('names two services of one name, or two keys of one mapping, with line and column', async () => {
    const yaml = fileWith('dup.yaml', 'services:\n  db:\n    command: x\n  api:\n    command: y\n  db:\n    command: z\n');
    expect(await refusal(yaml)).toBe(`the system file ${yaml}:6:3: two services are named "db"`);
    const json = fileWith('dup.json', '{"services": {"db": {"command": "x"}, "db": {"command": "y"}}}');
    expect(await refusal(json)).toBe(`the system file ${json}:1:39: two services are named "db"`);
    const env = fileWith('env.yaml', 'services:\n  db:\n    command: x\n    env: { A: "1", A: "2" }\n');
    expect(await refusal(env)).toBe(`the system file ${env}:4:20: "services.db.env" has two keys named "A"`);
    const top = fileWith('top.json', '{"services": {}, "services": {}}');
    expect(await refusal(top)).toBe(`the system file ${top}:1:18: "(top level)" has two keys named "services"`);
  });

  it('takes keys that become one name in JavaScript as duplicates: 1 and "1", true and "true", ~ and ""', async () => {
    const number = fileWith('dup-number.yaml', 'services:\n  1:\n    command: x\n  "1":\n    command: y\n');
    expect(await refusal(number)).toBe(`the system file ${number}:4:3: two services are named "1"`);
    const boolean = fileWith('dup-boolean.yaml', 'services:\n  db:\n    command: x\n    env: { true: a, "true": b }\n');
    expect(await refusal(boolean)).toBe(`the system file ${boolean}:4:21: "services.db.env" has two keys named "true"`);
    const empty = fileWith('dup-null.yaml', 'services:\n  ~:\n    command: x\n  "":\n    command: y\n');
    expect(await refusal(empty)).toBe(`the system file ${empty}:4:3: two services are named ""`);
  });

  it('says where a syntax error is, in the format the file claims', async () => {
    const json = fileWith('bad.json', '{"services": ');
    expect(await refusal(json)).toMatch(new RegExp(`^the system file ${json}:1:\\d+ is not valid JSON: `));
    const yaml = fileWith('bad.yaml', 'services:\n  db: [x\n');
    expect(await refusal(yaml)).toMatch(new RegExp(`^the system file ${yaml}:\\d+:\\d+ is not valid YAML: `));
  });

  it('refuses deep nesting quickly, without exhausting memory or the stack', async () => {
    // 80,000 levels ran the old reader out of memory; the yaml package's own composer overflows at ~1,000
    const flow = fileWith('deep.json', `{"services": ${'['.repeat(80_000)}${']'.repeat(80_000)}}`);
    expect(await refusal(flow)).toBe(`the system file ${flow}:1:76 is not valid JSON: nested deeper than 64 levels`);
    const block = fileWith('deep.yaml', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'));
    expect(await refusal(block)).toMatch(/:64:67 is not valid YAML: nested deeper than 64 levels$/);
    const compact = fileWith('compact.yaml', `services:\n  ${'- '.repeat(500_000)}x\n`);
    expect(await refusal(compact)).toContain('nested deeper than 64 levels');
  });

  it('refuses aliases that expand without bound', async () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 12; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const path = fileWith('laughs.yaml', `${text}services: {}\n`);
    expect(await refusal(path)).toMatch(/^the system file .*laughs\.yaml is not valid YAML: its aliases expand too far/);
  });

  it('refuses a file over 1 MiB, and anything that is not a regular file, before reading it', async () => {
    const big = fileWith('big.json', Buffer.alloc(MAX_SYSTEM_FILE_BYTES + 1, 0x20));
    expect(await refusal(big)).toBe(`cannot read the system file ${big}: it holds ${MAX_SYSTEM_FILE_BYTES + 1} bytes, more than the ${MAX_SYSTEM_FILE_BYTES} a system file may hold`);
    expect(await refusal(dir)).toBe(`cannot read the system file ${dir}: a directory, not a regular file`);
    expect(await refusal('/dev/zero')).toBe('cannot read the system file /dev/zero: a character device, not a regular file');
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    // with no writer, opening a FIFO without O_NONBLOCK would hang here for ever
    expect(await refusal(fifo)).toBe(`cannot read the system file ${fifo}: a FIFO, not a regular file`);
    const link = join(dir, 'link.yaml');
    symlinkSync('/dev/zero', link);
    expect(await refusal(link)).toBe(`cannot read the system file ${link}: a character device, not a regular file`);
  });

  it('reads YAML 1.2 scalars as YAML 1.2 (yes and on stay strings)', async () => {
    expect(await readYaml('a: yes\nb: on\nc: 0x10\nd: "1733"\n')).toEqual({ a: 'yes', b: 'on', c: 16, d: '1733' });
  });
});
