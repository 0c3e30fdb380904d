import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFixedWindow } from '../../examples/control-api/limiter.ts';

test('fixed window: limit hits per window, then refusal until the window resets', () => {
  const w = createFixedWindow(2, 1000);
  assert.deepEqual(w.hit('a', 0), { allowed: true, limit: 2, remaining: 1, resetSeconds: 1 });
  assert.equal(w.hit('a', 10).allowed, true);
  assert.deepEqual(w.hit('a', 500), { allowed: false, limit: 2, remaining: 0, resetSeconds: 1 });
  assert.equal(w.hit('b', 500).allowed, true, 'keys are independent');
  assert.equal(w.peek('a', 999).allowed, false);
  assert.equal(w.hit('a', 1000).allowed, true, 'a new window starts');
});

test('fixed window: reset forgets a key; peek does not count', () => {
  const w = createFixedWindow(1, 1000);
  assert.equal(w.peek('a', 0).allowed, true);
  assert.equal(w.hit('a', 0).allowed, true);
  assert.equal(w.hit('a', 1).allowed, false);
  w.reset('a');
  assert.equal(w.hit('a', 2).allowed, true);
});

test('fixed window: at most maxKeys keys, expired ones swept, refusal (fail closed) when still full', () => {
  const w = createFixedWindow(5, 1000, 2);
  assert.equal(w.hit('a', 0).allowed, true);
  assert.equal(w.hit('b', 0).allowed, true);
  assert.equal(w.hit('c', 10).allowed, false, 'no room for a third key');
  assert.equal(w.hit('c', 1000).allowed, true, 'expired keys are swept to make room');
});
