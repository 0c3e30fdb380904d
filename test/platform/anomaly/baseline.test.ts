import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Baselines, MAX_ROUTES, rollBucket } from '../../../src/platform/anomaly/baseline.ts';
import { LruMap } from '../../../src/platform/anomaly/lru.ts';
import { EXACT_IDS, IdSketch, SKETCH_MAX } from '../../../src/platform/anomaly/sketch.ts';

test('LruMap forgets the least recently used entry past its bound', () => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  assert.equal(m.get('a'), 1); // a is now the most recent
  m.set('c', 3);
  assert.equal(m.get('b'), undefined);
  assert.equal(m.get('a'), 1);
  assert.equal(m.get('c'), 3);
  assert.equal(m.size, 2);
});

test('buckets fold into an EWMA; empty buckets decay it', () => {
  const b = {
    start: 0,
    requests: 10,
    errors: 2,
    authFailures: 4,
    requestAvg: 0,
    errorAvg: 0,
    authFailureAvg: 0,
    buckets: 0,
  };
  rollBucket(b, 1_000, 1_000, 0.5);
  assert.deepEqual([b.requestAvg, b.errorAvg, b.authFailureAvg, b.buckets, b.requests], [10, 2, 4, 1, 0]);
  b.requests = 20;
  rollBucket(b, 2_500, 1_000, 0.5);
  assert.equal(b.requestAvg, 15, 'alpha 0.5: halfway to the new bucket');
  assert.equal(b.start, 2_000);
  // three buckets later, two of them empty: one fold of 0 then (1-alpha)^2
  rollBucket(b, 5_000, 1_000, 0.5);
  assert.equal(b.requestAvg, 15 * 0.5 * 0.25);
  assert.equal(b.buckets, 5);
});

test('subjects are bounded: the least recently seen is forgotten', () => {
  const bl = new Baselines({ maxSubjects: 3, bucketMs: 1_000, alpha: 0.3, windowMs: 10_000 });
  for (const ip of ['a', 'b', 'c', 'd']) bl.observe('ip', ip, 200, 0);
  assert.equal(bl.size, 3);
  // "a" was evicted: it starts again from zero
  assert.equal(bl.observe('ip', 'a', 200, 0).total, 1);
  assert.equal(bl.observe('ip', 'd', 200, 0).total, 2);
});

test('per route: distinct ids, misses and sequential runs; routes per subject are bounded', () => {
  const bl = new Baselines({ maxSubjects: 10, bucketMs: 1_000, alpha: 0.3, windowMs: 10_000 });
  const s = bl.observe('consumer', 'alice', 200, 0);
  let r = bl.observeObject(s, 'api:getOrder', '1', 200, 0);
  for (const id of ['2', '3', '5', '5', '6']) r = bl.observeObject(s, 'api:getOrder', id, 404, 0);
  assert.equal(r.distinct.estimate(), 5);
  assert.equal(r.sequentialRun, 5, 'steps of 1 and 2 continue a run, a repeat does not break it');
  assert.equal(r.misses, 5);
  for (const id of ['1', '2', '3']) r = bl.observeObject(s, 'api:getOrder', id, 200, 0);
  assert.equal(r.sequentialRun, 5, 're-reading known ids changes nothing');
  r = bl.observeObject(s, 'api:getOrder', '4', 200, 0);
  assert.equal(r.sequentialRun, 1, 'a step back breaks an upward run');
  r = bl.observeObject(s, 'api:getOrder', '100', 200, 0);
  assert.equal(r.sequentialRun, 1, 'a jump starts a new run');
  for (const id of ['99', '98', '96']) r = bl.observeObject(s, 'api:getOrder', id, 200, 0);
  assert.equal(r.sequentialRun, 4, 'a downward run counts too');
  r = bl.observeObject(s, 'api:getOrder', 'abc', 200, 0);
  assert.equal(r.sequentialRun, 0);
  // a new window folds the distinct count into the average and starts empty
  r = bl.observeObject(s, 'api:getOrder', '7', 200, 10_000);
  assert.equal(r.distinct.estimate(), 1);
  assert.equal(r.distinctAvg, 11);
  for (let i = 0; i < MAX_ROUTES + 5; i++) bl.observeObject(s, `api:r${i}`, '1', 200, 10_000);
  assert.equal(s.routes?.size, MAX_ROUTES);
});

test('the id sketch: exact up to 32 ids, then an estimate within a few percent, in fixed memory', () => {
  const s = new IdSketch();
  for (let i = 0; i < EXACT_IDS; i++) assert.equal(s.add(`id-${i}`), true);
  assert.equal(s.add('id-3'), false);
  assert.equal(s.estimate(), EXACT_IDS);
  for (let i = EXACT_IDS; i < 1_000; i++) s.add(`id-${i}`);
  const e = s.estimate();
  assert.ok(e > 900 && e < 1_100, `estimate ${e} for 1000`);
  for (let i = 0; i < 100_000; i++) s.add(`x-${i}`);
  assert.equal(s.estimate(), SKETCH_MAX, 'saturates, never grows');
  s.clear();
  assert.equal(s.estimate(), 0);
  assert.equal(s.add('id-3'), true);
});
