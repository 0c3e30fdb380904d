import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { base62Encode, crc32Base62, hasCrc32Suffix } from '../../src/secrets/checksum.ts';
import { formatRampartKey, verifyRampartKeyChecksum } from '../../src/secrets/rampart-key.ts';

test('base62 encodes with the digits-upper-lower alphabet, padded', () => {
  assert.equal(base62Encode(0, 6), '000000');
  assert.equal(base62Encode(61, 1), 'z');
  assert.equal(base62Encode(62, 1), '10');
  assert.equal(base62Encode(0xffffffff, 6), '4gfFC3');
});

test('a GitHub-style checksum suffix round-trips and detects a changed character', () => {
  const body = 'abcdefghijklmnopqrstuvwxyz0123';
  const token = body + crc32Base62(body);
  assert.equal(token.length, 36);
  assert.ok(hasCrc32Suffix(token));
  assert.ok(!hasCrc32Suffix(`X${token.slice(1)}`));
});

test('formatRampartKey produces rk_<env>_ + 38 base62 characters that verify', () => {
  const live = formatRampartKey(randomBytes(32), 'live');
  const test = formatRampartKey(randomBytes(32), 'test');
  assert.match(live, /^rk_live_[0-9A-Za-z]{38}$/);
  assert.match(test, /^rk_test_[0-9A-Za-z]{38}$/);
  assert.ok(verifyRampartKeyChecksum(live));
  assert.ok(verifyRampartKeyChecksum(test));
});

test('formatRampartKey is deterministic in its input and refuses short randomness', () => {
  const r = randomBytes(32);
  assert.equal(formatRampartKey(r, 'live'), formatRampartKey(r, 'live'));
  assert.throws(() => formatRampartKey(randomBytes(16), 'live'), RangeError);
  assert.throws(() => formatRampartKey(randomBytes(32), 'prod' as 'live'), RangeError);
});

test('verifyRampartKeyChecksum refuses wrong checksums, shapes and types', () => {
  const key = formatRampartKey(randomBytes(32), 'live');
  assert.ok(!verifyRampartKeyChecksum(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')));
  assert.ok(!verifyRampartKeyChecksum(key.replace('rk_live_', 'rk_prod_')));
  assert.ok(!verifyRampartKeyChecksum(`${key}0`));
  assert.ok(!verifyRampartKeyChecksum(''));
  assert.ok(!verifyRampartKeyChecksum(42 as unknown as string));
});

test('property: every key formatted from ≥ 24 random bytes verifies; any single-character change does not', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 24, maxLength: 64 }),
      fc.constantFrom('live' as const, 'test' as const),
      fc.nat(),
      fc.nat(61),
      (bytes, env, pos, ch) => {
        const key = formatRampartKey(Buffer.from(bytes), env);
        assert.ok(verifyRampartKeyChecksum(key));
        const i = 8 + (pos % 38);
        const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
        const replacement = alphabet[ch] as string;
        if (replacement === key[i]) return;
        // CRC32 detects every single-character substitution.
        assert.ok(!verifyRampartKeyChecksum(key.slice(0, i) + replacement + key.slice(i + 1)));
      },
    ),
  );
});
