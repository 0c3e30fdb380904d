import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inventory, type Observation } from '../../../src/platform/discovery/inventory.ts';

const obs = (o: Partial<Observation> & { path: string }): Observation => ({
  time: 1000,
  method: 'GET',
  status: 200,
  ...o,
});

test('calls to one resource with different ids are one endpoint with everything seen', () => {
  const inv = new Inventory();
  inv.observe(
    obs({
      path: '/users/1',
      consumer: 'alice',
      time: 5,
      responseContentType: 'application/json; charset=utf-8',
    }),
  );
  inv.observe(obs({ path: '/users/2?email=bob%40example.com', consumer: 'bob', time: 9, status: 404 }));
  inv.observe(obs({ path: '/users/3', consumer: 'alice', time: 7 }));
  inv.observe(
    obs({
      path: '/users',
      method: 'post',
      status: 201,
      requestContentType: 'application/json',
      requestBody: '{"card":"4111 1111 1111 1111"}',
    }),
  );
  const [list, get] = inv.endpoints();
  assert.ok(list && get);
  assert.equal(get.path, '/users/{userId}');
  assert.equal(get.method, 'GET');
  assert.equal(get.count, 3);
  assert.deepEqual(get.statuses, { '200': 2, '404': 1 });
  assert.deepEqual(get.consumers, ['alice', 'bob']);
  assert.equal(get.firstSeen, 5);
  assert.equal(get.lastSeen, 9);
  assert.deepEqual(get.responseContentTypes, ['application/json']);
  assert.deepEqual(get.queryParams, ['email']);
  assert.deepEqual(get.sensitive, ['email'], 'sensitive types seen in query values');
  assert.equal(list.path, '/users');
  assert.equal(list.method, 'POST');
  assert.deepEqual(list.requestContentTypes, ['application/json']);
  assert.ok(list.sensitive.includes('card'), 'and in sampled bodies');
});

test('a position with many distinct names is learned as a parameter, per prefix', () => {
  const inv = new Inventory({ learnThreshold: 5 });
  for (const slug of ['red', 'green', 'blue', 'cyan', 'pink', 'gold', 'teal', 'plum']) {
    inv.observe(obs({ path: `/products/${slug}/reviews` }));
  }
  inv.observe(obs({ path: '/products/featured' }));
  inv.observe(obs({ path: '/health' }));
  inv.observe(obs({ path: '/status' }));
  const paths = inv.endpoints().map((e) => e.path);
  assert.deepEqual(paths, ['/health', '/products/{productId}', '/products/{productId}/reviews', '/status']);
  const reviews = inv.endpoints().find((e) => e.path === '/products/{productId}/reviews');
  assert.equal(reviews?.count, 8);
  assert.equal(
    reviews?.segments[1] && 'kind' in reviews.segments[1] ? reviews.segments[1].kind : '',
    'learned',
  );
});

test('bounded: endpoints past the limit are counted, not kept; bad methods are ignored', () => {
  const inv = new Inventory({ maxEndpoints: 3, learnThreshold: 1000 });
  for (let i = 0; i < 10; i++) inv.observe(obs({ path: `/r${i}x` }));
  inv.observe(obs({ path: '/x', method: 'GE T' }));
  assert.equal(inv.endpoints().length, 3);
  assert.equal(inv.overflow, 7);
  assert.equal(inv.observed, 10);
});

test('data types the gateway masked in a response are kept as the sensitive data of the endpoint', async () => {
  const { observationFromRecord } = await import('../../../src/platform/discovery/recorder.ts');
  const inv = new Inventory();
  const record = {
    requestId: 'r1',
    method: 'GET',
    path: '/orders/7',
    api: 'shop',
    route: 'shop:getOrder',
    status: 200,
    decision: 'allow' as const,
    code: undefined,
    evidence: undefined,
    policy: undefined,
    clientIp: '127.0.0.1',
    latencyMs: 1,
    upstreamMs: 1,
    monitored: undefined,
    notable: [
      { policy: 'response', code: 'response.masked', severity: 'low' as const, evidence: 'card:2 email:1' },
      { policy: 'other', code: 'other.thing', severity: 'low' as const, evidence: 'iban:1' },
    ],
  };
  inv.observe(observationFromRecord(record, 1000));
  inv.observe(observationFromRecord({ ...record, path: '/orders/8', notable: undefined }, 2000));
  const [e] = inv.endpoints();
  assert.equal(e?.count, 2);
  assert.deepEqual([...(e?.sensitive ?? [])].sort(), ['card', 'email']);
});
