import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createJsonMasker, type JsonMasker } from '../../src/detect/sensitive/index.ts';
import { AllowlistCompiler, ANY, filterByAllowlist, type Node } from '../../src/response/allowlist.ts';
import { unchangedByFilters } from '../../src/response/fast-pass.ts';

const limits = { maxDepth: 64 };

const item = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    note: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    meta: { type: 'object' },
    secret: { type: 'string', writeOnly: true },
    card_number: { type: 'string' },
    nested: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'string' } } },
    free: { type: 'object', additionalProperties: { type: 'object', properties: { x: { type: 'string' } } } },
  },
};
const schema = {
  type: 'object',
  properties: { items: { type: 'array', items: item }, total: { type: 'integer' } },
};

const masker: JsonMasker = createJsonMasker({
  types: {
    card: { kind: 'partial' },
    password_hash: { kind: 'redact', typed: true },
    private_key: { kind: 'redact', typed: true },
    email: { kind: 'redact', typed: true },
  },
});

function fullPathUnchanged(node: Node, text: string, m: JsonMasker | null): boolean | 'invalid' {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  const f = filterByAllowlist(node, value, { maxDepth: 64, stopAtUndeclared: false });
  if (f.tooDeep || f.value !== value) return false;
  if (m === null) return true;
  const r = m(value);
  return r.ok && r.masked === 0;
}

function fast(node: Node, text: string, m: JsonMasker | null): boolean {
  return unchangedByFilters(Buffer.from(text, 'utf8'), node, m?.judge ?? null, limits);
}

describe('response fast path', () => {
  const node = new AllowlistCompiler().compile(schema);

  test('a body the schema declares fully and without sensitive values passes unchanged', () => {
    const body = JSON.stringify({
      items: [
        { id: 1, name: 'a', tags: ['x', 'y'], meta: { anything: [1, { deep: 'ok' }] }, nested: { a: 1.5 } },
        { id: 2, name: 'O\'Brien \\u00e9 "quoted"', note: 'caf\u00e9 \ud83d\ude00', free: { k: { x: 'v' } } },
      ],
      total: 2,
    });
    assert.equal(fullPathUnchanged(node, body, masker), true);
    assert.equal(fast(node, body, masker), true);
    // the same with whitespace everywhere JSON allows it
    assert.equal(fast(node, JSON.stringify(JSON.parse(body), null, 2), masker), true);
  });

  test('anything the full path would change is never passed: undeclared, writeOnly, sensitive, by name', () => {
    const cases = [
      { items: [{ id: 1, role: 'admin' }] },
      { items: [{ id: 1, secret: 'x' }] },
      { items: [{ id: 1, note: '4111 1111 1111 1111' }] },
      { items: [{ id: 1, note: 'a@example.com' }] },
      { items: [{ id: 1, note: '$2b$10$abcdefghijklmnopqrstuuJQk5KfGmBhL3XWrZC/Ph0zVvDQmDqa2' }] },
      { items: [{ id: 1, card_number: '4111111111111111' }] },
      { items: [{ id: 4111111111111111 }] },
      { items: [{ id: 1, free: { k: { y: 1 } } }] },
      { items: [{ id: 1, meta: { email: 'someone@example.org' } }] },
      { extra: true },
    ];
    for (const c of cases) {
      const body = JSON.stringify(c);
      assert.equal(fullPathUnchanged(node, body, masker), false, body);
      assert.equal(fast(node, body, masker), false, body);
    }
  });

  test('with no schema, the byte scan passes timestamps and UUIDs and stops a grouped card', () => {
    const plain = JSON.stringify([
      { at: '2026-06-01T00:00:00.123456Z', id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', n: '12-34 56' },
    ]);
    assert.equal(fast(ANY, plain, masker), true);
    for (const note of ['4111-1111-1111-1111', '4111 1111 1111 1111', '3782-822463-10005']) {
      const body = JSON.stringify([{ note }]);
      assert.equal(fullPathUnchanged(ANY, body, masker), false, body);
      assert.equal(fast(ANY, body, masker), false, body);
    }
  });

  test('bytes that are not exactly one JSON value are left to the full path', () => {
    const bad = [
      '',
      ' ',
      '{',
      '{"total":1}x',
      '{"total":01}',
      '{"total":1.}',
      '{"total":-}',
      '{"items":[1,]}',
      '{"total":1,}',
      "{'total':1}",
      '{"items":["a\\x"]}',
      '{"items":["a\\u12"]}',
      '{"items":["tab\tinside"]}',
      '\ufeff{"total":1}',
      '{"total":tru}',
      '{"total":1}{"total":2}',
      '[1 2]',
      'NaN',
    ];
    for (const text of bad) {
      assert.equal(fullPathUnchanged(ANY, text, null), 'invalid', text);
      assert.equal(fast(node, text, masker), false, text);
      assert.equal(fast(ANY, text, null), false, text);
    }
  });

  test('a key spelled with escapes is judged by its text', () => {
    assert.equal(fast(node, '{"tot\\u0061l":3}', masker), true);
    assert.equal(fast(node, '{"tot\\u0061lx":3}', masker), false);
  });

  test('nesting past the limit is left to the full path', () => {
    const deep = `${'['.repeat(70)}${']'.repeat(70)}`;
    assert.equal(unchangedByFilters(Buffer.from(deep), ANY, masker.judge, limits), false);
    assert.equal(unchangedByFilters(Buffer.from('[[[]]]'), ANY, masker.judge, limits), true);
  });

  test('property: whenever the fast path says unchanged, the full path changes nothing', () => {
    const key = fc.constantFrom(
      'id',
      'name',
      'note',
      'tags',
      'meta',
      'nested',
      'free',
      'a',
      'b',
      'x',
      'k',
      'email',
      'role',
    );
    const leaf = fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.constantFrom(
        '4111111111111111',
        'a@b.io',
        '$2b$10$abcdefghijklmnopqrstuv',
        '-----BEGIN PRIVATE KEY-----',
        '4111-1111-1111-1111',
        'paid 2026-06-01 with 4111 1111 1111 1111',
        '2026-06-01T00:00:00.123456Z',
      ),
      fc.integer(),
      fc.constantFrom(123456789012, 4111111111111111, 1e21, -5, 0.5),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('v'), { maxLength: 4 }),
      obj: fc.dictionary(key, tie('v'), { maxKeys: 5 }),
    })).v;
    const doc = fc.record({ items: fc.array(fc.dictionary(key, value, { maxKeys: 6 }), { maxLength: 3 }) });
    fc.assert(
      fc.property(doc, fc.boolean(), (d, pretty) => {
        const text = pretty ? JSON.stringify(d, null, 1) : JSON.stringify(d);
        for (const m of [masker, null]) {
          for (const n of [node, ANY]) {
            if (fast(n, text, m)) assert.equal(fullPathUnchanged(n, text, m), true, text);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
