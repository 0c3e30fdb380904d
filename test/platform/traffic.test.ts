import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficCounter } from '../../src/platform/traffic.ts';

test('requests are counted per minute and summed into the buckets asked for, empty buckets included', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);
  let now = start;
  const t = new TrafficCounter(() => now);
  t.add(3);
  now += 61_000;
  t.add(2);
  now += 5 * 60_000;
  t.add(1);
  assert.deepEqual(
    t.series(start, 60_000).map(([, n]) => n),
    [3, 2, 0, 0, 0, 0, 1],
  );
  assert.deepEqual(t.series(start, 5 * 60_000), [
    [start, 5],
    [start + 5 * 60_000, 1],
  ]);
  // reading does not change what is counted next
  t.add(4);
  assert.equal(t.series(start, 3_600_000)[0]?.[1], 10);
});
