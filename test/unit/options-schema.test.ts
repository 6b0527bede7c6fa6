import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import { loadSystemFile } from '../../src/cli/system-config.js';
import type { ElectronBackendOptions } from '../../src/electron/attach.js';
import type { electronFields, executeFields, proxyFields } from '../../src/electron/electron-schema.js';
import type { ElectronMainApi } from '../../src/electron/electron-like.js';
import type { ExecuteOptions } from '../../src/electron/execute.js';
import type { ProxyOptions } from '../../src/electron/proxy.js';
import type { OptionsOf } from '../../src/options/schema.js';
import type { BackendSupervisorOptions } from '../../src/options/options-types.js';
import type { supervisorFields } from '../../src/options/supervisor-schema.js';
import type { BackendServiceOptions, serviceFields } from '../../src/options/system-options.js';
import { type systemFields, systemFileSchema } from '../../src/options/system-schema.js';
import type { BackendSystemOptions } from '../../src/system.js';

const root = join(import.meta.dirname, '..', '..');

describe('the option schemas', () => {
  // the option types are written out for their TSDoc; each must be exactly what its schema accepts
  // (a type, an optional or required mark, or an enum value that differs does not compile)
  it('describe exactly the types of the options objects', () => {
    expectTypeOf<OptionsOf<typeof supervisorFields>>().toEqualTypeOf<BackendSupervisorOptions>();
    expectTypeOf<OptionsOf<typeof serviceFields>>().toEqualTypeOf<Omit<BackendServiceOptions, keyof BackendSupervisorOptions>>();
    expectTypeOf<OptionsOf<typeof systemFields>>().toEqualTypeOf<BackendSystemOptions>();
    expectTypeOf<OptionsOf<typeof electronFields>>().toEqualTypeOf<Omit<ElectronBackendOptions, keyof ElectronMainApi>>();
    expectTypeOf<OptionsOf<typeof executeFields>>().toEqualTypeOf<ExecuteOptions>();
    expectTypeOf<OptionsOf<typeof proxyFields>>().toEqualTypeOf<ProxyOptions>();
  });

  it('publish the JSON Schema of system files in the package, and the examples name it', () => {
    const published = JSON.parse(readFileSync(join(root, 'schema/system.schema.json'), 'utf8'));
    expect(published).toEqual(systemFileSchema());
    const files = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).files as string[];
    expect(files).toContain('schema');
    expect(JSON.parse(readFileSync(join(root, 'examples/system.json'), 'utf8')).$schema).toBe('../schema/system.schema.json');
    expect(readFileSync(join(root, 'examples/system.yaml'), 'utf8')).toContain('# yaml-language-server: $schema=../schema/system.schema.json');
  });

  it('accept every option the examples use, and the reader ignores a top-level "$schema"', async () => {
    const service = (systemFileSchema().properties as { services: { additionalProperties: { properties: Record<string, unknown> } } }).services.additionalProperties;
    for (const file of ['examples/system.json', 'examples/system.yaml']) {
      const parsed = parse(readFileSync(join(root, file), 'utf8')) as { services: Record<string, Record<string, unknown>> };
      for (const options of Object.values(parsed.services)) for (const key of Object.keys(options)) expect(Object.keys(service.properties)).toContain(key);
      const loaded = await loadSystemFile(join(root, file));
      expect(Object.keys(loaded)).toEqual(['services']);
    }
  });
});
