import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rec } from './fixtures.ts';
import { oneDetector } from './harness.ts';

test('a burst of 401/403 past the floor fires for the IP', () => {
  const { e, logger } = oneDetector('authFailures', { minFailures: 10, multiplier: 5 });
  for (let i = 0; i < 9; i++) e.onRecord(rec({ status: 401 }));
  e.onRecord(rec({ status: 200 }));
  assert.equal(e.detections.authFailures, 0);
  e.onRecord(rec({ status: 403 }));
  assert.equal(e.detections.authFailures, 1);
  assert.equal(logger.lines.find((l) => l.code === 'anomaly.auth_failures')?.ip, '192.0.2.1');
});

test('a subject whose baseline has many failures needs a multiple of it', () => {
  const { e, c } = oneDetector('authFailures', { minFailures: 5, multiplier: 3 }, {});
  // bucket 1: 4 failures (below the floor); the baseline becomes 4
  for (let i = 0; i < 4; i++) e.onRecord(rec({ status: 401, consumer: 'svc' }));
  c.t += 60_000;
  // bucket 2: 12 failures are not above 3 x 4 (consumer and IP share the history here)
  for (let i = 0; i < 12; i++) e.onRecord(rec({ status: 401, consumer: 'svc' }));
  assert.equal(e.detections.authFailures, 0);
  e.onRecord(rec({ status: 401, consumer: 'svc' }));
  assert.equal(e.detections.authFailures, 1);
});

test("the client gate's own refusals are not counted: a blocked client knocking is not a new spike", () => {
  const { e } = oneDetector('authFailures', { minFailures: 5 });
  for (let i = 0; i < 50; i++) e.onRecord(rec({ status: 403, code: 'client.blocked', decision: 'refuse' }));
  assert.equal(e.detections.authFailures, 0);
});
