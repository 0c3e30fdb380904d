import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  digestsEqual,
  displayPrefix,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  pepperBytes,
  sameString,
} from '../../src/auth/apikey.ts';

const PEPPER = pepperBytes('p'.repeat(32));

describe('API key format', () => {
  test('has the env prefix, 32 base62 characters and a valid checksum', () => {
    const live = generateApiKey('live');
    const test_ = generateApiKey('test');
    assert.match(live, /^rk_live_[0-9A-Za-z]{38}$/);
    assert.match(test_, /^rk_test_[0-9A-Za-z]{38}$/);
    assert.ok(isWellFormedApiKey(live));
    assert.equal(displayPrefix(live), live.slice(0, 12));
  });

  test('never repeats across many draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(generateApiKey('live'));
    assert.equal(seen.size, 2000);
  });

  test('a one-character change breaks the checksum', () => {
    const k = generateApiKey('live');
    const i = 20;
    const swapped = k.slice(0, i) + (k[i] === 'a' ? 'b' : 'a') + k.slice(i + 1);
    assert.equal(isWellFormedApiKey(swapped), false);
  });

  test('arbitrary strings are not well-formed keys and never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        assert.equal(typeof isWellFormedApiKey(s), 'boolean');
      }),
    );
  });
});

describe('API key hashing', () => {
  test('is an HMAC keyed by the pepper: another pepper gives another hash', () => {
    const k = generateApiKey('live');
    const h = hashApiKey(k, PEPPER);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(h, hashApiKey(k, PEPPER));
    assert.notEqual(h, hashApiKey(k, pepperBytes('q'.repeat(32))));
    assert.ok(digestsEqual(h, hashApiKey(k, PEPPER)));
    assert.equal(digestsEqual(h, h.slice(1)), false);
  });

  test('a short pepper is refused without echoing it', () => {
    assert.throws(
      () => pepperBytes('short-secret'),
      (e: Error) => !e.message.includes('short-secret'),
    );
  });
});

describe('constant-time string equality', () => {
  test('agrees with === on any two strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        assert.equal(sameString(a, b), a === b);
        assert.equal(sameString(a, a), true);
      }),
    );
  });

  test('a difference in the last character is found, as in the first', () => {
    assert.equal(sameString('rk_live_abc', 'rk_live_abd'), false);
    assert.equal(sameString('rk_live_abc', 'sk_live_abc'), false);
    assert.equal(sameString('rk_live_abc', 'rk_live_ab'), false);
  });
});
