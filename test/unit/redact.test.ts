import { describe, expect, it } from 'vitest';
import { redactDeep, redactEnv, secretValues } from '../../src/report/redact.js';

describe('report redaction', () => {
  const secret = 'pa"ss\\word-1234';
  it('replaces a secret, its JSON-escaped form, and the parts a cut left at either end', () => {
    const input = { a: `x ${secret} y`, b: `json ${JSON.stringify(secret)}`, c: `last output: xxx${secret.slice(0, 9)}…`, d: `…${secret.slice(5)} rest`, e: [`ends with ${secret.slice(0, 6)}`] };
    const output = JSON.stringify(redactDeep(input, [secret]));
    expect(output).not.toContain('pa\\"ss');
    expect(output).not.toContain('word-1234');
    expect(redactDeep(input, [secret])).toEqual({
      a: 'x [REDACTED] y',
      b: 'json "[REDACTED]"',
      c: 'last output: xxx[REDACTED]…',
      d: '…[REDACTED] rest',
      e: ['ends with [REDACTED]'],
    });
  });

  it('marks environment values secret by their names, and keeps the others', () => {
    const env = { HF_TOKEN: 'hf_1', OPENAI_API_KEY: 'k', DB_PASSWORD: 'p', SESSION_SECRET: 's', MODE: 'dev', PATH: '/bin', PWD: '/home/me/app', XAUTHORITY: '/run/x' };
    expect(redactEnv(env)).toEqual({ HF_TOKEN: '[REDACTED]', OPENAI_API_KEY: '[REDACTED]', DB_PASSWORD: '[REDACTED]', SESSION_SECRET: '[REDACTED]', MODE: 'dev', PATH: '/bin', PWD: '/home/me/app', XAUTHORITY: '/run/x' });
    expect(secretValues(env)).toEqual(['hf_1', 'k', 'p', 's']);
  });
});
