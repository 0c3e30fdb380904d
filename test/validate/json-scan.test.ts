import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseJsonSafely, scanJson } from '../../src/validate/json-scan.ts';

const LIMITS = { maxDepth: 8, maxElements: 100 };

describe('scanJson', () => {
  it('accepts ordinary JSON, strings with braces, quotes and escapes', () => {
    assert.equal(scanJson('{"a":"}{[\\"]","b":[1,2,{"c":null}],"d":true}', LIMITS), null);
    assert.equal(scanJson('"just a string"', LIMITS), null);
    assert.equal(scanJson('[]', LIMITS), null);
  });
  it('refuses duplicate keys, with the pointer, also when the duplicate is escaped', () => {
    assert.deepEqual(scanJson('{"a":{"role":1,"role":2}}', LIMITS), {
      code: 'input.prototype',
      detail: 'duplicate key',
      pointer: '/a/role',
    });
    assert.equal(scanJson('{"role":1,"r\\u006fle":2}', LIMITS)?.detail, 'duplicate key');
  });
  it('allows the same key in sibling objects', () => {
    assert.equal(scanJson('[{"a":1},{"a":2}]', LIMITS), null);
  });
  it('refuses __proto__, constructor and prototype keys, escaped or not', () => {
    for (const body of [
      '{"__proto__":{"admin":true}}',
      '{"a":{"constructor":{"prototype":{}}}}',
      '{"\\u005f_proto__":1}',
    ]) {
      assert.equal(scanJson(body, LIMITS)?.code, 'input.prototype', body);
    }
    // as a value it is only text
    assert.equal(scanJson('{"name":"__proto__"}', LIMITS), null);
  });
  it('caps depth and elements', () => {
    assert.equal(scanJson(`${'['.repeat(9)}${']'.repeat(9)}`, LIMITS)?.code, 'input.limits');
    assert.equal(scanJson(`${'['.repeat(8)}${']'.repeat(8)}`, LIMITS), null);
    assert.equal(
      scanJson(`[${Array(101).fill('1').join(',')}]`, { maxDepth: 8, maxElements: 100 })?.code,
      'input.limits',
    );
  });
  it('refuses what it cannot follow', () => {
    assert.equal(scanJson('{"a":1', LIMITS)?.code, 'input.json');
    assert.equal(scanJson('{"a":"x}', LIMITS)?.code, 'input.json');
    assert.equal(scanJson('[1}', LIMITS)?.code, 'input.json');
  });
  it('parseJsonSafely never echoes the input in its detail', () => {
    const r = parseJsonSafely('{"password": hunter2}', LIMITS);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.failure, { code: 'input.json', detail: 'malformed JSON' });
  });
  it('agrees with JSON.parse on what is valid (property)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        const r = parseJsonSafely(text, { maxDepth: 64, maxElements: 100_000 });
        if (r.ok) assert.deepEqual(r.value, JSON.parse(text));
        else assert.equal(r.failure.code, 'input.prototype'); // fc.json may generate duplicate-free __proto__ keys
      }),
      { numRuns: 300 },
    );
  });
  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        parseJsonSafely(text, LIMITS);
      }),
      { numRuns: 500 },
    );
  });
});
