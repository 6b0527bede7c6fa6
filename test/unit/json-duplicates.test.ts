import { describe, expect, it } from 'vitest';
import { firstDuplicateKey } from '../../src/cli/json-duplicates.js';

describe('firstDuplicateKey', () => {
  it('finds a key given twice in one object, with the path of that object', () => {
    expect(firstDuplicateKey('{"services": {"db": {}, "api": {}, "db": {"command": "x"}}}')).toEqual({ path: 'services', key: 'db' });
    expect(firstDuplicateKey('{"services": {"db": {"env": {"A": "1", "A": "2"}}}}')).toEqual({ path: 'services.db.env', key: 'A' });
    expect(firstDuplicateKey('{"a": 1, "a": 2}')).toEqual({ path: '', key: 'a' });
  });

  it('is not fooled by strings, escapes, arrays or the same key in sibling objects', () => {
    expect(firstDuplicateKey('{"services": {"db": {"args": ["db", "{\\"db\\": 1}", "\\\\"]}, "api": {"args": ["db"]}}}')).toBeUndefined();
    expect(firstDuplicateKey('[{"a": 1}, {"a": 2}]')).toBeUndefined();
    expect(firstDuplicateKey('{"x": {"a": 1}, "y": {"a": 1}}')).toBeUndefined();
    expect(firstDuplicateKey('{"a\\"b": 1, "a\\u0022b": 2}')).toEqual({ path: '', key: 'a"b' });
  });
});
