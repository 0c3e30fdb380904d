import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  createFieldCipher,
  encodePlain,
  isSealed,
  openField,
  openWithout,
  sealField,
} from '../../src/store/field-cipher.ts';

const k1 = { kid: 'k1', key: randomBytes(32) };
const k2 = { kid: 'k2', key: randomBytes(32) };

test('a sealed value has the enc:v1:<kid>: format, a fresh nonce each time, and opens back', () => {
  const c = createFieldCipher([k1]);
  const a = c.seal("' OR 1=1 --", 'aad');
  const b = c.seal("' OR 1=1 --", 'aad');
  assert.match(a, /^enc:v1:k1:[A-Za-z0-9+/]+=*$/);
  assert.notEqual(a, b, 'a random 96-bit nonce per value');
  assert.ok(!a.includes('OR 1=1'));
  assert.deepEqual(c.open(a, 'aad'), { ok: true, value: "' OR 1=1 --" });
  // nonce (12) + ciphertext (11) + tag (16)
  assert.equal(Buffer.from(a.slice('enc:v1:k1:'.length), 'base64').length, 12 + 11 + 16);
});

test('the AAD binds a value to its column and row: moved elsewhere it reads as tampered', () => {
  const c = createFieldCipher([k1]);
  const v = c.seal('secret evidence', 'rampart:security_events.evidence:r1');
  assert.deepEqual(c.open(v, 'rampart:security_events.evidence:r2'), { ok: false, reason: 'tampered' });
  assert.deepEqual(c.open(v, 'rampart:api_inventory.data:r1'), { ok: false, reason: 'tampered' });
});

test('any flipped bit of nonce, ciphertext or tag is detected, never a crash', () => {
  const c = createFieldCipher([k1]);
  const v = c.seal('evidence to protect', 'aad');
  const prefix = 'enc:v1:k1:';
  const body = Buffer.from(v.slice(prefix.length), 'base64');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: body.length * 8 - 1 }), (bit) => {
      const copy = Buffer.from(body);
      copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
      const r = c.open(prefix + copy.toString('base64'), 'aad');
      assert.deepEqual(r, { ok: false, reason: 'tampered' });
    }),
  );
  assert.deepEqual(c.open(`${prefix}AAAA`, 'aad'), { ok: false, reason: 'malformed' });
  assert.deepEqual(c.open('enc:v1:k1', 'aad'), { ok: false, reason: 'malformed' });
  assert.deepEqual(c.open(`enc:v1:${'x'.repeat(40)}:AAAA`, 'aad'), { ok: false, reason: 'malformed' });
});

test('old keys stay readable; needsReseal is true for older keys and plain values only', () => {
  const old = createFieldCipher([k1]);
  const rolled = createFieldCipher([k2, k1]);
  const v1 = old.seal('x', 'a');
  assert.deepEqual(rolled.open(v1, 'a'), { ok: true, value: 'x' });
  assert.equal(rolled.needsReseal(v1), true);
  assert.equal(rolled.needsReseal(rolled.seal('x', 'a')), false);
  assert.equal(rolled.needsReseal('plain'), true);
  // once k1 is removed its values are reported, not thrown
  assert.deepEqual(createFieldCipher([k2]).open(v1, 'a'), { ok: false, reason: 'unknown-key' });
});

test('plain values that look sealed are escaped, so attacker text cannot pose as ciphertext', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.constantFrom('enc:v1:k1:AAAA', 'raw:x', 'raw:enc:v1:')), (s) => {
      const stored = encodePlain(s);
      assert.equal(isSealed(stored), false);
      assert.deepEqual(openWithout(stored), { ok: true, value: s });
      // a cipher reads plain (pre-encryption) values too
      assert.deepEqual(createFieldCipher([k1]).open(stored, 'a'), { ok: true, value: s });
    }),
  );
  assert.deepEqual(openWithout(createFieldCipher([k1]).seal('x', 'a')), { ok: false, reason: 'no-key' });
  assert.equal(sealField(undefined, null, 'a'), null);
  assert.equal(openField(undefined, null, 'a'), null);
});

test('bad key sets are refused', () => {
  assert.throws(() => createFieldCipher([]), RangeError);
  assert.throws(() => createFieldCipher([{ kid: 'k1', key: randomBytes(16) }]), /not 32 bytes/);
  assert.throws(() => createFieldCipher([k1, { kid: 'k1', key: randomBytes(32) }]), /twice/);
  assert.throws(() => createFieldCipher([{ kid: 'bad id', key: randomBytes(32) }]), RangeError);
});
