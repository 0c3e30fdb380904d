import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createPseudonymKey,
  type MaskStrategy,
  type SensitiveType,
} from '../../src/detect/sensitive/index.ts';
import { compileRoleMaskers, type RoleScoped, strategyOf } from '../../src/response/masking.ts';

const key = createPseudonymKey('a-test-pseudonym-key-0123456789');

function maskers(options: {
  fields?: RoleScoped<{ field: string; strategy: MaskStrategy; type?: SensitiveType }>[];
  types?: [SensitiveType, RoleScoped<MaskStrategy>][];
}) {
  return compileRoleMaskers({
    fields: options.fields ?? [],
    types: new Map(options.types ?? []),
    fieldNames: true,
    scanText: false,
    maxDepth: 64,
  });
}

test('a field rule exempting admin: a user sees the mask, an admin the value', () => {
  const m = maskers({
    fields: [
      {
        rule: { field: 'email', strategy: strategyOf('partial', undefined), type: 'email' },
        exceptRoles: ['admin'],
      },
    ],
  });
  const body = { id: 1, email: 'alice@example.com' };
  const user = m.forRoles(['user'])!(body);
  assert.ok(user.ok);
  assert.deepEqual(user.value, { id: 1, email: 'a***@example.com' });
  assert.equal(m.forRoles(['admin', 'user']), null);
  assert.ok(m.forRoles(undefined) !== null, 'an anonymous caller holds no exempt role');
});

test('per data type, detected by content: partial card, redacted hash', () => {
  const m = maskers({
    types: [
      ['card', { rule: strategyOf('partial', undefined), exceptRoles: [] }],
      ['password_hash', { rule: strategyOf('redact', undefined), exceptRoles: ['auditor'] }],
    ],
  });
  const body = {
    pan: '4242 4242 4242 4242',
    note: '$2b$12$abcdefghijklmnopqrstuuDdYvZ8pEjS1yZ5HhYbq9X0mZr4n3vCq',
  };
  const r = m.forRoles([])!(body);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { pan: '**** **** **** 4242', note: '[REDACTED:password_hash]' });
  const auditor = m.forRoles(['auditor'])!(body);
  assert.ok(auditor.ok);
  assert.equal((auditor.value as { note: string }).note, body.note);
});

test('a keyed pseudonym is the same for the same value across a JSON array of 10,000 items', () => {
  const m = maskers({
    fields: [
      {
        rule: { field: 'card_number', strategy: strategyOf('pseudonym', key), type: 'card' },
        exceptRoles: [],
      },
    ],
  });
  const cards = ['4242424242424242', '5555555555554444', '4000056655665556'];
  const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i, card_number: cards[i % 3] }));
  const r = m.forRoles(['user'])!(items);
  assert.ok(r.ok);
  const out = r.value as { id: number; card_number: string }[];
  assert.equal(out.length, 10_000);
  const seen = new Map<string, string>();
  for (let i = 0; i < out.length; i++) {
    const original = items[i]!.card_number!;
    const p = out[i]!.card_number;
    assert.match(p, /^pii_[0-9a-f]{16}$/);
    const before = seen.get(original);
    if (before === undefined) seen.set(original, p);
    else assert.equal(p, before, `item ${i}`);
  }
  assert.equal(new Set(seen.values()).size, 3, 'different values, different pseudonyms');
  // the same key in another masker (another route, a restart) gives the same pseudonyms
  const again = maskers({
    fields: [
      {
        rule: { field: 'card_number', strategy: strategyOf('pseudonym', key), type: 'card' },
        exceptRoles: [],
      },
    ],
  }).forRoles([])!([{ card_number: '4242-4242-4242-4242' }]);
  assert.ok(again.ok);
  assert.equal((again.value as { card_number: string }[])[0]!.card_number, seen.get('4242424242424242'));
});

test('a pseudonym rule without a key is a configuration error', () => {
  assert.throws(() => strategyOf('pseudonym', undefined), /pseudonymKey/);
});
