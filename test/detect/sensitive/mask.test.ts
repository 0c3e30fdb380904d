import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPseudonymKey, mask } from '../../../src/detect/sensitive/index.ts';

const key = createPseudonymKey('0123456789abcdef-test-key');

test('mask redact: plain and typed markers', () => {
  assert.equal(mask('4242424242424242', { kind: 'redact' }, 'card'), '[REDACTED]');
  assert.equal(mask('4242424242424242', { kind: 'redact', typed: true }, 'card'), '[REDACTED:card]');
  assert.equal(mask('x', { kind: 'redact', typed: true }), '[REDACTED]');
});

test('mask partial: last 4 of cards, IBANs and phones, separators kept', () => {
  assert.equal(mask('4242 4242 4242 4242', { kind: 'partial' }, 'card'), '**** **** **** 4242');
  assert.equal(mask('4242424242424242', { kind: 'partial' }, 'card'), '************4242');
  assert.equal(mask('123-45-6789', { kind: 'partial' }, 'ssn'), '***-**-6789');
  assert.equal(mask('+1 415 555 2671', { kind: 'partial' }, 'phone'), '+* *** *** 2671');
});

test('mask partial: e-mail keeps the first letter and the domain, IP keeps the network', () => {
  assert.equal(mask('jane.doe@example.com', { kind: 'partial' }, 'email'), 'j***@example.com');
  assert.equal(mask('192.168.1.20', { kind: 'partial' }, 'ip'), '192.168.*.*');
  assert.equal(mask('2001:db8::1', { kind: 'partial' }, 'ip'), '2001:db8:*');
});

test('mask partial: short values are fully starred; secrets reveal nothing', () => {
  assert.equal(mask('1234567', { kind: 'partial' }), '*******');
  assert.equal(mask('hunter22hunter22', { kind: 'partial' }, 'secret_field'), '[REDACTED:secret_field]');
  assert.equal(mask('$2b$12$abc', { kind: 'partial' }, 'password_hash'), '[REDACTED:password_hash]');
});

test('mask pseudonym: stable per value and key, prefixed, truncated, differs across keys', () => {
  const a = mask('ana@example.com', { kind: 'pseudonym', key });
  assert.match(a, /^pii_[0-9a-f]{16}$/);
  assert.equal(mask('ana@example.com', { kind: 'pseudonym', key }), a);
  assert.notEqual(mask('bob@example.com', { kind: 'pseudonym', key }), a);
  const other = createPseudonymKey(new Uint8Array(32).fill(7));
  assert.notEqual(mask('ana@example.com', { kind: 'pseudonym', key: other }), a);
  assert.match(mask('x', { kind: 'pseudonym', key, prefix: 'u_', length: 32 }), /^u_[0-9a-f]{32}$/);
});

test('mask pseudonym: formatting differences of one number give one pseudonym', () => {
  const s = { kind: 'pseudonym', key } as const;
  assert.equal(mask('4242 4242 4242 4242', s, 'card'), mask('4242-4242-4242-4242', s, 'card'));
  assert.equal(mask('Ana@Example.com', s, 'email'), mask('ana@example.com', s, 'email'));
});

test('pseudonym key: short secrets are refused without echoing them', () => {
  assert.throws(
    () => createPseudonymKey('short-secret'),
    (err: Error) => err instanceof RangeError && !err.message.includes('short-secret'),
  );
  assert.throws(() => mask('x', { kind: 'pseudonym', key: { kind: 'pseudonym-key' } }), TypeError);
});
