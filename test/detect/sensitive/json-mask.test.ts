import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsonMasker, createPseudonymKey, mask } from '../../../src/detect/sensitive/index.ts';
import { parseExactJson } from '../../../src/util/exact-json.ts';

const key = createPseudonymKey('json-mask-test-key-0123456789');

test('json mask: by detected type, by inferred field name, counted per type', () => {
  const masker = createJsonMasker({
    types: {
      card: { kind: 'partial' },
      email: { kind: 'partial' },
      secret_field: { kind: 'redact', typed: true },
    },
  });
  const r = masker({
    id: 7,
    email: 'jane@example.com',
    payment: { pan: '4242 4242 4242 4242' },
    password: 'hunter2',
    ok: true,
  });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.value, {
    id: 7,
    email: 'j***@example.com',
    payment: { pan: '**** **** **** 4242' },
    password: '[REDACTED:secret_field]',
    ok: true,
  });
  assert.equal(r.counts.card, 1);
  assert.equal(r.counts.email, 1);
  assert.equal(r.counts.secret_field, 1);
  assert.equal(r.masked, 3);
});

test('json mask: a type without a strategy is left alone', () => {
  const r = createJsonMasker({ types: { card: { kind: 'redact' } } })({
    email: 'jane@example.com',
    password: 'x',
  });
  assert.deepEqual(r.ok && r.value, { email: 'jane@example.com', password: 'x' });
});

test('json mask: property-name rules ignore case and separators and mask whole subtrees', () => {
  const masker = createJsonMasker({
    fields: [{ field: 'internal_notes', strategy: { kind: 'redact' } }],
  });
  const r = masker({ a: { internalNotes: { text: 'x', n: 3, flag: false } }, b: 'internal_notes' });
  assert.deepEqual(r.ok && r.value, {
    a: { internalNotes: { text: '[REDACTED]', n: '[REDACTED]', flag: false } },
    b: 'internal_notes',
  });
  assert.equal(r.ok && r.counts.secret_field, 2);
});

test('json mask: JSON pointer patterns with * and **', () => {
  const masker = createJsonMasker({
    fields: [
      { field: '/users/*/dob', strategy: { kind: 'redact' }, type: 'national_id' },
      { field: '/**/salary', strategy: { kind: 'redact' } },
      { field: '/meta/a~1b', strategy: { kind: 'redact' } },
    ],
  });
  const r = masker({
    users: [{ dob: '1990-01-01', name: 'a', pay: { salary: 10 } }, { dob: '1991-02-02' }],
    dob: 'kept',
    salary: 5,
    meta: { 'a/b': 'x', a: { b: 'kept' } },
  });
  assert.deepEqual(r.ok && r.value, {
    users: [{ dob: '[REDACTED]', name: 'a', pay: { salary: '[REDACTED]' } }, { dob: '[REDACTED]' }],
    dob: 'kept',
    salary: '[REDACTED]',
    meta: { 'a/b': '[REDACTED]', a: { b: 'kept' } },
  });
  assert.equal(r.ok && r.counts.national_id, 2);
});

test('json mask: field rules win over detection', () => {
  const masker = createJsonMasker({
    types: { email: { kind: 'partial' } },
    fields: [{ field: 'contact', strategy: { kind: 'redact' }, type: 'email' }],
  });
  const r = masker({ contact: 'jane@example.com', other: 'bob@example.com' });
  assert.deepEqual(r.ok && r.value, { contact: '[REDACTED]', other: 'b***@example.com' });
  assert.equal(r.ok && r.counts.email, 2);
});

test('json mask: scanText masks values inside longer strings', () => {
  const masker = createJsonMasker({ types: { email: { kind: 'redact', typed: true } }, scanText: true });
  const r = masker({ note: 'ask ana@example.com or bob@example.org' });
  assert.deepEqual(r.ok && r.value, { note: 'ask [REDACTED:email] or [REDACTED:email]' });
  assert.equal(r.ok && r.counts.email, 2);
  const whole = createJsonMasker({ types: { email: { kind: 'redact' } } })({ note: 'ask ana@example.com' });
  assert.deepEqual(whole.ok && whole.value, { note: 'ask ana@example.com' });
});

test('json mask: card numbers sent as JSON numbers are masked', () => {
  const r = createJsonMasker({ types: { card: { kind: 'partial' } } })({ n: 4242424242424242, qty: 3 });
  assert.deepEqual(r.ok && r.value, { n: '************4242', qty: 3 });
});

test('json mask: the input is not modified', () => {
  const input = { password: 'x', list: [{ email: 'jane@example.com' }] };
  const copy = structuredClone(input);
  createJsonMasker({ types: { email: { kind: 'redact' }, secret_field: { kind: 'redact' } } })(input);
  assert.deepEqual(input, copy);
});

test('json mask: a parsed __proto__ key stays data and pollutes nothing', () => {
  const input: unknown = JSON.parse(
    '{"__proto__": {"polluted": "yes", "password": "x"}, "constructor": {"prototype": 1}}',
  );
  const r = createJsonMasker({ types: { secret_field: { kind: 'redact' } } })(input);
  assert.equal(r.ok, true);
  if (!r.ok) return;
  const out = r.value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, {
    polluted: 'yes',
    password: '[REDACTED]',
  });
  assert.equal((out as { polluted?: unknown }).polluted, undefined);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.equal(
    JSON.stringify(out),
    '{"__proto__":{"polluted":"yes","password":"[REDACTED]"},"constructor":{"prototype":1}}',
  );
});

test('json mask: nesting past maxDepth is refused, not recursed into', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const r = createJsonMasker({ types: { email: { kind: 'redact' } } })(deep);
  assert.deepEqual(r, { ok: false, reason: 'depth' });
  const shallow = createJsonMasker({ maxDepth: 3 })({ a: { b: { c: 1 } } });
  assert.equal(shallow.ok, true);
  assert.deepEqual(createJsonMasker({ maxDepth: 2 })({ a: { b: { c: 1 } } }), { ok: false, reason: 'depth' });
});

test('json mask: more values than maxNodes are refused', () => {
  const r = createJsonMasker({ maxNodes: 100 })(Array.from({ length: 200 }, (_, i) => i));
  assert.deepEqual(r, { ok: false, reason: 'nodes' });
});

test('json mask: an array of 10,000 objects is masked consistently', () => {
  const masker = createJsonMasker({
    types: {
      card: { kind: 'partial' },
      email: { kind: 'pseudonym', key },
      ssn: { kind: 'redact', typed: true },
      secret_field: { kind: 'redact' },
    },
    fields: [{ field: '/*/internal', strategy: { kind: 'redact' } }],
  });
  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    id: i,
    email: `user${i % 100}@example.com`,
    card: '4242 4242 4242 4242',
    ssn: '123-45-6789',
    password: `pw-${i}`,
    internal: { score: i },
    note: `row ${i}`,
  }));
  const r = masker(rows);
  assert.equal(r.ok, true);
  if (!r.ok) return;
  const out = r.value as ((typeof rows)[number] & { internal: { score: unknown } })[];
  assert.equal(out.length, 10_000);
  for (let i = 0; i < out.length; i++) {
    const row = out[i]!;
    assert.equal(row.id, i);
    assert.equal(row.card, '**** **** **** 4242');
    assert.equal(row.ssn, '[REDACTED:ssn]');
    assert.equal(row.password, '[REDACTED]');
    assert.equal(row.internal.score, '[REDACTED]');
    assert.equal(row.note, `row ${i}`);
    // Same address, same pseudonym, wherever it appears: clients can still join on it.
    assert.equal(row.email, out[i % 100]!.email);
    assert.equal(row.email, mask(`user${i % 100}@example.com`, { kind: 'pseudonym', key }, 'email'));
  }
  assert.equal(new Set(out.map((row) => row.email)).size, 100);
  assert.equal(r.counts.card, 10_000);
  assert.equal(r.counts.email, 10_000);
  assert.equal(r.counts.ssn, 10_000);
  assert.equal(r.counts.secret_field, 20_000);
  assert.equal(r.masked, 50_000);
});

test('json mask: bad rules fail when compiled', () => {
  assert.throws(
    () => createJsonMasker({ types: { email: { kind: 'pseudonym', key: { kind: 'pseudonym-key' } } } }),
    TypeError,
  );
  assert.throws(
    () => createJsonMasker({ fields: [{ field: `/${'a/'.repeat(70)}`, strategy: { kind: 'redact' } }] }),
    RangeError,
  );
});

test('json mask: a property-name rule without letters or digits is refused', () => {
  assert.throws(
    () => createJsonMasker({ fields: [{ field: '__', strategy: { kind: 'redact' } }] }),
    RangeError,
  );
});

test('numbers kept as their text (exact JSON) are numbers to the masker: a 19-digit card masked, an id kept exact', () => {
  // 4000000000000000006 passes Luhn and is a 19-digit Visa; a double cannot hold it
  const input = parseExactJson(
    '{"n":4000000000000000006,"id":12345678901234567890,"nested":{"n":4000000000000000006}}',
  );
  const r = createJsonMasker({ types: { card: { kind: 'partial' } } })(input);
  assert.ok(r.ok);
  assert.equal(
    JSON.stringify(r.value),
    '{"n":"***************0006","id":12345678901234567890,"nested":{"n":"***************0006"}}',
  );
  const byField = createJsonMasker({ fields: [{ field: 'id', strategy: { kind: 'redact' } }] })(input);
  assert.ok(byField.ok);
  assert.equal((byField.value as { id: unknown }).id, '[REDACTED]', 'a field rule masks it as a scalar');
  assert.deepEqual(createJsonMasker({ maxDepth: 1 })(parseExactJson('{"id":12345678901234567890}')).ok, true);
});
