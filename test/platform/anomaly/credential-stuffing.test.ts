import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usernamePseudonym } from '../../../src/platform/anomaly/login-capture.ts';
import { rec } from './fixtures.ts';
import { oneDetector } from './harness.ts';

const login = (user: string, ip: string, status: number, code?: string) =>
  rec({
    method: 'POST',
    route: 'login',
    path: '/v1/login',
    clientIp: ip,
    status,
    code,
    loginUser: usernamePseudonym(user),
  });

test('usernames are pseudonyms: stable in the process, not the username', () => {
  assert.equal(usernamePseudonym('alice'), usernamePseudonym('alice'));
  assert.notEqual(usernamePseudonym('alice'), usernamePseudonym('bob'));
  assert.doesNotMatch(usernamePseudonym('alice'), /alice/);
});

test('many usernames failing from one IP fire', () => {
  const { e, logger } = oneDetector('credentialStuffing', { usernamesPerIp: 5 });
  for (let i = 0; i < 4; i++) e.onRecord(login(`user${i}`, '203.0.113.7', 401));
  assert.equal(e.detections.credentialStuffing, 0);
  e.onRecord(login('user4', '203.0.113.7', 429, 'auth.locked'));
  assert.equal(e.detections.credentialStuffing, 1);
  const line = logger.lines.find((l) => l.code === 'anomaly.credential_stuffing');
  assert.equal(line?.ip, '203.0.113.7');
  assert.doesNotMatch(JSON.stringify(logger.lines), /user4/, 'no username in clear');
});

test('one username failing from many IPs fires', () => {
  const { e, logger } = oneDetector('credentialStuffing', { ipsPerUsername: 4 });
  for (let i = 1; i <= 4; i++) e.onRecord(login('alice', `198.51.100.${i}`, 401));
  assert.equal(e.detections.credentialStuffing, 1);
  assert.ok(logger.lines.some((l) => String(l.evidence).startsWith('username:')));
});

test('successful logins, one user retrying and an old window do not fire', () => {
  const { e, c } = oneDetector('credentialStuffing', { usernamesPerIp: 3, windowSeconds: 60 });
  // an office behind one NAT: many users, all succeed
  for (let i = 0; i < 50; i++) e.onRecord(login(`staff${i}`, '192.0.2.50', 200));
  // one user mistyping many times
  for (let i = 0; i < 10; i++) e.onRecord(login('bob', '192.0.2.51', 401));
  // two failures, then the window passes, then two more
  e.onRecord(login('x1', '192.0.2.52', 401));
  e.onRecord(login('x2', '192.0.2.52', 401));
  c.t += 61_000;
  e.onRecord(login('x3', '192.0.2.52', 401));
  e.onRecord(login('x4', '192.0.2.52', 401));
  // requests that are not logins carry no username
  for (let i = 0; i < 10; i++) e.onRecord(rec({ status: 401, clientIp: '192.0.2.52' }));
  assert.equal(e.detections.credentialStuffing, 0);
});
