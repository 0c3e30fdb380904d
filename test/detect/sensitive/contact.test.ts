import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyValue } from '../../../src/detect/sensitive/index.ts';
import { found } from './helpers.ts';

test('email: addresses inside text, with plus tags and sub-domains', () => {
  assert.deepEqual(found('Write to first.last+tag@mail.example.org or <ana@example.com>.', 'email'), [
    'first.last+tag@mail.example.org',
    'ana@example.com',
  ]);
});

test('email: asset names, handles and package specifiers are not addresses', () => {
  for (const v of [
    'icon@2x.png',
    'user@localhost',
    '@handle',
    'npm:@scope/pkg@1.2.3',
    'a..b@example.com',
    'a@b',
  ]) {
    assert.deepEqual(found(v, 'email'), [], v);
  }
});

test('phone: E.164 compact and grouped, with a trunk (0)', () => {
  for (const v of [
    '+14155552671',
    '+44 20 7946 0958',
    '+1 (415) 555-2671',
    '+49 (0)30 12345678',
    '+81-3-1234-5678',
  ]) {
    assert.equal(classifyValue(v)?.type, 'phone', v);
  }
});

test('phone: national formats of the US, UK and France', () => {
  for (const v of ['(415) 555-2671', '415-555-2671', '020 7946 0958', '07700 900123', '01 23 45 67 89']) {
    assert.equal(classifyValue(v)?.type, 'phone', v);
  }
});

test('phone: order numbers, timestamps, offsets and versions are not phones', () => {
  for (const v of [
    '4155552671', // bare digits
    '123-456-7890', // NANP area codes do not start with 1
    '2026-01-15T10:00:00+01:00',
    '+1234', // too short
    '1.0.0+20130313144700', // semver build metadata
    'v2.10.3',
    '5+12345678',
  ]) {
    assert.deepEqual(found(v, 'phone'), [], v);
  }
});

test('ip: IPv4 and IPv6 forms', () => {
  for (const v of [
    '192.168.1.20',
    '10.0.0.1',
    '2001:db8::8a2e:370:7334',
    '2001:0db8:0000:0000:0000:ff00:0042:8329',
    '::ffff:192.0.2.1',
    '::1',
  ]) {
    assert.equal(classifyValue(v)?.type, 'ip', v);
  }
  assert.deepEqual(found('from [fe80::1:2:3]:8080 and 203.0.113.9.', 'ip'), ['fe80::1:2:3', '203.0.113.9']);
});

test('ip: versions, OIDs, MACs, times and bad octets are not addresses', () => {
  for (const v of [
    'v1.2.3.4',
    '1.3.6.1.4.1',
    '256.1.1.1',
    '00:1a:2b:3c:4d:5e',
    '10:30:00',
    '1.2.3',
    'std::vector',
    '10.0.19041.1',
  ]) {
    assert.deepEqual(found(v, 'ip'), [], v);
  }
});
