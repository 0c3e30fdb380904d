import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { scanCards } from '../../../src/detect/sensitive/card.ts';
import {
  classifyText,
  classifyValue,
  SENSITIVE_TYPES,
  scannerGate,
  textFeatures,
} from '../../../src/detect/sensitive/index.ts';
import type { SensitiveMatch } from '../../../src/detect/sensitive/types.ts';

test('classifyText: matches come sorted, without overlap, with offsets into the text', () => {
  const text = 'card 4242 4242 4242 4242, mail ana@example.com, IBAN DE89 3704 0044 0532 0130 00';
  const ms = classifyText(text);
  assert.deepEqual(
    ms.map((m) => [m.type, text.slice(m.start, m.end)]),
    [
      ['card', '4242 4242 4242 4242'],
      ['email', 'ana@example.com'],
      ['iban', 'DE89 3704 0044 0532 0130 00'],
    ],
  );
});

test('classifyText: the types option limits what is looked for', () => {
  const text = 'ana@example.com 4242424242424242';
  assert.deepEqual(
    classifyText(text, { types: new Set(['card']) }).map((m) => m.type),
    ['card'],
  );
});

test('classifyText: minConfidence drops weak matches (a 1.2.3.4 address looks like a version)', () => {
  assert.equal(classifyText('host 1.2.3.4').length, 1);
  assert.equal(classifyText('host 1.2.3.4', { minConfidence: 0.8 }).length, 0);
});

test('classifyText: only the first maxLength characters are scanned', () => {
  const text = `${'x'.repeat(100)} ana@example.com`;
  assert.equal(classifyText(text, { maxLength: 50 }).length, 0);
  assert.equal(classifyText(text).length, 1);
});

test('classifyValue: a value must be wholly one type; surrounding whitespace is allowed', () => {
  assert.equal(classifyValue('ana@example.com')?.type, 'email');
  assert.deepEqual(classifyValue('  ana@example.com '), {
    type: 'email',
    confidence: 0.95,
    start: 2,
    end: 17,
  });
  assert.equal(classifyValue('mail ana@example.com please'), null);
  assert.equal(classifyValue(''), null);
});

test('classifyValue: a field name that agrees with the value raises confidence', () => {
  const plain = classifyValue('4242424242424242')!;
  const named = classifyValue('4242424242424242', { fieldName: 'card_number' })!;
  assert.ok(named.confidence > plain.confidence);
  assert.ok(named.confidence <= 1);
});

test('classifyValue: common API values are not sensitive', () => {
  for (const v of [
    '550e8400-e29b-41d4-a716-446655440000',
    '2026-01-15T10:00:00Z',
    'v1.2.3',
    '#ff8800',
    'ORD-123456789012',
    '1767225600000',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    'hello world',
    'https://api.example.com/v1/users/42',
    '52.5200,13.4050',
    '1,234,567.89',
  ]) {
    assert.equal(classifyValue(v), null, v);
  }
});

test('property: classifyText never throws on any string and returns sane matches', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      checkSane(s, classifyText(s));
      classifyValue(s, { fieldName: s.slice(0, 10) });
    }),
    { numRuns: 2000 },
  );
});

// Fragments that reach deep into every scanner: separators, anchors and partial formats.
const FRAGMENTS = [
  '4242',
  ' ',
  '-',
  '.',
  '+',
  '(',
  ')',
  '@',
  'example.com',
  '$2b$12$',
  '$argon2id$',
  '$',
  'eyJ',
  'eyJhbGciOiJIUzI1NiJ9',
  '-----BEGIN ',
  'PRIVATE KEY-----',
  '-----END ',
  '::',
  ':',
  'ff',
  'DE89',
  '3704',
  'AKIA',
  'ghp_',
  'sk_live_',
  '0',
  '9',
  '12',
  '123',
  'password=',
  'Bearer ',
  '"',
  '\n',
  'AB',
  'C',
  'Z',
  '\u00e9',
  '\ud83d',
];

test('property: classifyText never throws on strings built from format fragments', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 80 }), (parts) => {
      const s = parts.join('');
      checkSane(s, classifyText(s, { minConfidence: 0 }));
      classifyValue(s);
    }),
    { numRuns: 3000 },
  );
});

test("property: a type set's gate passes every text in which one of its classifiers finds something", () => {
  const gates = SENSITIVE_TYPES.map((t) => [t, scannerGate(new Set([t]))] as const);
  const all = scannerGate(undefined);
  let found = 0;
  fc.assert(
    // short texts: a gate one notch too strict shows on a text barely long enough to match
    fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }), (parts) => {
      const s = parts.join('');
      const f = textFeatures(s);
      for (const [type, gate] of gates) {
        if (classifyText(s, { types: new Set([type]), minConfidence: 0 }).length === 0) continue;
        found++;
        assert.ok(gate(f), `${type} gate refused ${JSON.stringify(s)}`);
        assert.ok(all(f));
      }
    }),
    { numRuns: 5000 },
  );
  assert.ok(found > 100, `the fragments make matches (${found})`);
});

test('textFeatures: a run counts the digits of groups joined by single spaces or dashes', () => {
  assert.equal(textFeatures('4111 1111 1111 1111').run, 16);
  assert.equal(textFeatures('4111-1111-1111-1111').run, 16);
  assert.equal(textFeatures('2026-06-01T00:00:00Z').run, 8);
  assert.equal(textFeatures('2026-06-01T00:00:00Z').digits, 14);
  assert.equal(textFeatures('f47ac10b-58cc-4372-a567-0e02b2c3d479').run, 4);
  // a UUID whose last group is all digits joins it to the group before: 716-446655440000
  assert.equal(textFeatures('550e8400-e29b-41d4-a716-446655440000').run, 15);
  assert.equal(textFeatures('12 34').run, 4);
  assert.equal(textFeatures('12  34').run, 2, 'two separators end a run');
  assert.equal(textFeatures('12 -34').run, 2);
  assert.equal(textFeatures('12-').run, 2);
  assert.equal(textFeatures('-12 a 34').run, 2);
});

test('property: a card the card scanner finds, however grouped and surrounded, is a run of 13 digits', () => {
  const cards = [
    '4111111111111111',
    '4242424242424242',
    '378282246310005',
    '5555555555554444',
    '6011111111111117',
  ];
  const around = fc.string({ unit: fc.constantFrom('a', ' ', '-', '1', '9', ':', 'T', '.'), maxLength: 10 });
  const card = fc
    .tuple(
      fc.constantFrom(...cards),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(' ', '-', ''),
    )
    .map(([digits, sizes, sep]) => {
      const groups: string[] = [];
      let at = 0;
      for (const size of sizes) {
        if (at >= digits.length) break;
        groups.push(digits.slice(at, at + size));
        at += size;
      }
      if (at < digits.length) groups.push(digits.slice(at));
      return groups.join(sep);
    });
  const cardGate = scannerGate(new Set(['card']));
  let found = 0;
  fc.assert(
    fc.property(around, card, around, (before, number, after) => {
      const s = `${before}${number}${after}`;
      // the scanner itself, not classifyText: that one asks the gate under test first
      const out: SensitiveMatch[] = [];
      scanCards(s, out);
      if (out.length === 0) return;
      found++;
      assert.ok(textFeatures(s).run >= 13, JSON.stringify(s));
      assert.ok(cardGate(textFeatures(s)));
    }),
    { numRuns: 3000 },
  );
  assert.ok(found > 200, `cards were found (${found})`);
});

test('a gate refuses a text no chosen classifier could match: dates are not worth a card or hash scan', () => {
  const gate = scannerGate(new Set(['card', 'password_hash', 'private_key']));
  assert.equal(gate(textFeatures('2026-01-01')), false);
  assert.equal(gate(textFeatures('4111 1111 1111 1111')), true);
  assert.equal(gate(textFeatures('$2b$12$abc')), true);
  // a timestamp and a UUID have 13 digits and more, but no run of 13: no card can be in them
  assert.equal(gate(textFeatures('2026-06-01T00:00:00.123456Z')), false);
  assert.equal(gate(textFeatures('f47ac10b-58cc-4372-a567-0e02b2c3d479')), false);
  assert.equal(scannerGate(new Set(['ip']))(textFeatures('fe80::1')), true, 'either alternative of a gate');
  // at the thresholds exactly: 13 digits for a card, 15 capitals for a private key's armour
  assert.equal(gate(textFeatures('4'.repeat(12))), false);
  assert.equal(gate(textFeatures('4'.repeat(13))), true);
  assert.equal(gate(textFeatures('K'.repeat(14))), false);
  assert.equal(gate(textFeatures('K'.repeat(15))), true);
  assert.equal(gate(textFeatures('-----BEGIN PRIVATE KEY-----')), true);
  assert.equal(
    gate(textFeatures(`a long sentence of plain words, ${'k'.repeat(200)}`)),
    false,
    'length alone',
  );
  // the shortest key any provider format allows passes the gate, and is found
  const slack = 'xoxb-1234567890';
  assert.equal(scannerGate(new Set(['api_key']))(textFeatures(slack)), true);
  assert.equal(classifyText(slack, { types: new Set(['api_key']), minConfidence: 0 }).length, 1);
  const jwt = scannerGate(new Set(['jwt']));
  assert.equal(jwt(textFeatures('abcdefghij')), false, 'a JWT needs a dot as well as the length');
  assert.equal(jwt(textFeatures('abcde.ghij')), true);
  assert.equal(jwt(textFeatures('a.b')), false);
});

function checkSane(s: string, ms: ReturnType<typeof classifyText>): void {
  let prevEnd = 0;
  for (const m of ms) {
    assert.ok(SENSITIVE_TYPES.includes(m.type));
    assert.ok(m.start >= prevEnd && m.start < m.end && m.end <= s.length);
    assert.ok(m.confidence >= 0 && m.confidence <= 1);
    prevEnd = m.end;
  }
}
