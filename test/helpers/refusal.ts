import { expect } from 'vitest';
import type { BackendSupervisorOptions } from '../../src/index.js';
import { resolveOptions } from '../../src/options/options.js';

/** The INVALID_OPTIONS message with which `options` are refused (fails the test if they are accepted). */
export function refusalOf(options: unknown): string {
  try {
    resolveOptions(options as BackendSupervisorOptions);
  } catch (error) {
    expect(error).toMatchObject({ name: 'BackendError', code: 'INVALID_OPTIONS' });
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}
