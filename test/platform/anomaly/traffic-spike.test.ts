import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rec } from './fixtures.ts';
import { oneDetector } from './harness.ts';

const settings = { minRequests: 50, multiplier: 5, warmupBuckets: 3 };

test('no spike before the baseline has warmed up', () => {
  const { e } = oneDetector('trafficSpike', settings);
  for (let i = 0; i < 1000; i++) e.onRecord(rec());
  assert.equal(e.detections.trafficSpike, 0);
});

test('a bucket far above the baseline fires; steady traffic does not', () => {
  const { e, c, logger } = oneDetector('trafficSpike', settings);
  for (let b = 0; b < 5; b++) {
    for (let i = 0; i < 20; i++) e.onRecord(rec({ consumer: 'app' }));
    c.t += 60_000;
  }
  // a steady 20 per bucket, then 99: above the floor, below 5 x 20
  for (let i = 0; i < 99; i++) e.onRecord(rec({ consumer: 'app' }));
  assert.equal(e.detections.trafficSpike, 0);
  e.onRecord(rec({ consumer: 'app' }));
  e.onRecord(rec({ consumer: 'app' }));
  assert.equal(e.detections.trafficSpike, 1);
  assert.match(
    String(logger.lines.find((l) => l.code === 'anomaly.traffic_spike')?.evidence),
    /^consumer:app: 10[01] requests/,
  );
});
