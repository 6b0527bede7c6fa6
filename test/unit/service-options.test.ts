// A service's options are refused with the service's name, and an unknown one is told the options a
// service takes: a system file with `dependOn` must not be answered with a list that lacks `dependsOn`.
import { describe, expect, it } from 'vitest';
import { type BackendServiceOptions, createBackendSystem } from '../../src/index.js';

function refusal(services: Record<string, unknown>): string {
  try {
    createBackendSystem({ services: services as Record<string, BackendServiceOptions> });
  } catch (error) {
    return (error as Error).message;
  }
  return 'created';
}

describe('service options', () => {
  it('an unknown option names its service and lists the service options among the known ones', () => {
    const message = refusal({ db: { command: 'x' }, api: { command: 'x', dependOn: ['db'] } });
    expect(message).toMatch(/^Unknown option "services\.api\.dependOn": the known options are "name", "command", /);
    expect(message).toContain('"dependsOn", "onDependencyFailure"');
  });

  it('an unknown option inside a nested one names its service too', () => {
    expect(refusal({ api: { command: 'x', health: { pth: '/h' } } })).toMatch(/^Unknown option "services\.api\.health\.pth": the known options are "health\.path", /);
  });

  it('a wrong value names its service, as before', () => {
    expect(refusal({ api: { command: 'x', port: 0 } })).toMatch(/^Invalid option "services\.api\.port"/);
  });
});
