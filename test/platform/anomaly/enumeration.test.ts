import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnomalyEngine, objectIdOf } from '../../../src/platform/anomaly/engine.ts';
import { clock, memoryLogger, only, rec } from './fixtures.ts';

const templates = (_api: string | undefined, route: string) =>
  route === 'getOrder' ? '/v1/orders/{id}' : route === 'getFile' ? '/v1/files/{name}' : undefined;

function engine(settings: Record<string, unknown>) {
  const c = clock();
  const logger = memoryLogger();
  const e = createAnomalyEngine(only('enumeration', settings), {
    state: undefined,
    keys: undefined,
    events: undefined,
    logger,
    templates,
    now: c.now,
  });
  return { e, c, logger };
}

const order = (id: string | number, over = {}) =>
  rec({ consumer: 'mallory', route: 'getOrder', path: `/v1/orders/${id}`, ...over });

test('object ids: the last template parameter, else the last id-like segment', () => {
  assert.equal(objectIdOf('/v1/orders/42', '/v1/orders/{id}'), '42');
  assert.equal(objectIdOf('/v1/users/alice/files', '/v1/users/{name}/files'), 'alice');
  assert.equal(objectIdOf('/v1/orders', '/v1/orders'), undefined);
  assert.equal(objectIdOf('/v1/orders/42/items/7', undefined), '7');
  assert.equal(objectIdOf('/v1/docs/3f2a1b4c5d6e7f80', undefined), '3f2a1b4c5d6e7f80');
  assert.equal(objectIdOf('/v1/health', undefined), undefined);
});

test('sequential ids on one object route fire at the configured run length', () => {
  const { e, logger } = engine({ sequentialRun: 10 });
  for (let id = 1; id <= 9; id++) e.onRecord(order(id));
  assert.equal(e.detections.enumeration, 0);
  e.onRecord(order(10));
  assert.equal(e.detections.enumeration, 1);
  const line = logger.lines.find((l) => l.code === 'anomaly.enumeration');
  assert.equal(line?.consumer, 'mallory');
  assert.match(String(line?.evidence), /consumer:mallory: 10 sequential object ids on t:getOrder/);
  // cooldown: the run goes on, no second detection
  for (let id = 11; id <= 30; id++) e.onRecord(order(id));
  assert.equal(e.detections.enumeration, 1);
});

test('many distinct non-sequential ids fire; the same few ids again and again do not', () => {
  const { e } = engine({ maxDistinctObjects: 20, sequentialRun: 1000, minNotFound: 1000 });
  for (let i = 0; i < 200; i++) e.onRecord(order((i % 5) * 100));
  assert.equal(e.detections.enumeration, 0, 'a client re-reading its five orders is normal');
  for (let i = 0; i < 20; i++) e.onRecord(order(1000 + i * 37));
  assert.equal(e.detections.enumeration, 1);
});

test('a high share of 404/403 on an object route fires (random ids, BOLA hunting)', () => {
  const { e, logger } = engine({ minNotFound: 10, notFoundRatio: 0.5, sequentialRun: 1000 });
  for (let i = 0; i < 9; i++) e.onRecord(order(i * 1000, { status: 404 }));
  e.onRecord(order(5, { status: 200 }));
  assert.equal(e.detections.enumeration, 0);
  e.onRecord(order(99_999, { status: 403 }));
  assert.equal(e.detections.enumeration, 1);
  assert.ok(
    logger.lines.some((l) => String(l.evidence).includes('10 of 11 object requests answered 404/403')),
  );
});

test('routes without an object id and other subjects are counted apart', () => {
  const { e } = engine({ sequentialRun: 5 });
  for (let i = 0; i < 50; i++) e.onRecord(rec({ consumer: 'a', route: 'listOrders', path: '/v1/orders' }));
  // three consumers, each with a run of 4: no single one reaches 5
  for (const who of ['a', 'b', 'c']) for (let id = 1; id <= 4; id++) e.onRecord(order(id, { consumer: who }));
  assert.equal(e.detections.enumeration, 0);
  // anonymous callers are tracked per IP
  for (let id = 1; id <= 5; id++) e.onRecord(order(id, { consumer: undefined, clientIp: '198.51.100.9' }));
  assert.equal(e.detections.enumeration, 1);
});

test("the window resets the counts; a busy client's own baseline raises its distinct-id floor", () => {
  const { e, c } = engine({ maxDistinctObjects: 30, sequentialRun: 1000, windowSeconds: 60 });
  for (let i = 0; i < 29; i++) e.onRecord(order(i * 50));
  c.t += 61_000;
  // the first window's 29 distinct ids are this client's normal: the floor is now 3 x 29
  for (let i = 0; i < 60; i++) e.onRecord(order(i * 50 + 1));
  assert.equal(e.detections.enumeration, 0);
  // past 32 ids the count is estimated (a few percent): well past 87 it fires
  for (let i = 60; i < 110; i++) e.onRecord(order(i * 50 + 1));
  assert.equal(e.detections.enumeration, 1);
});
