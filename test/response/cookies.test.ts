import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hardenCookie, hardenSetCookies } from '../../src/response/cookies.ts';

const strict = { secure: true, httpOnly: true, sameSite: 'Lax' } as const;

test('Secure, HttpOnly and SameSite are forced; other attributes stay', () => {
  assert.equal(
    hardenCookie('sid=abc; Path=/; SameSite=None; Max-Age=60', strict),
    'sid=abc; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax',
  );
});

test('attributes already there are not duplicated (case-insensitive)', () => {
  assert.equal(
    hardenCookie('a=b; secure; HTTPONLY; samesite=strict', strict),
    'a=b; Secure; HttpOnly; SameSite=Lax',
  );
});

test('sameSite keep leaves the upstream value; None implies Secure', () => {
  assert.equal(
    hardenCookie('a=b; SameSite=Strict', { secure: false, httpOnly: true, sameSite: 'keep' }),
    'a=b; SameSite=Strict; HttpOnly',
  );
  assert.equal(
    hardenCookie('a=b', { secure: false, httpOnly: false, sameSite: 'None' }),
    'a=b; Secure; SameSite=None',
  );
});

test('every Set-Cookie of a header map is rewritten in place', () => {
  const h: Record<string, string | string[]> = { 'set-cookie': ['a=1', 'b=2; Secure'] };
  assert.equal(hardenSetCookies(h, strict), true);
  assert.deepEqual(h['set-cookie'], [
    'a=1; Secure; HttpOnly; SameSite=Lax',
    'b=2; Secure; HttpOnly; SameSite=Lax',
  ]);
  assert.equal(hardenSetCookies({}, strict), false);
});
