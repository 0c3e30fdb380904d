import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Pool } from 'undici';
import { createOwnerLookup, parseLookupTemplate } from '../../src/auth/ownership-lookup.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type AuthGateway, codeOf, startAuthGateway } from './auth-gateway.ts';

const PEPPER = 'pepper-for-tests-0123456789-abcdefghijkl';
const OPENAPI = `openapi: 3.1.0
info: { title: o, version: '1' }
security: [{ key: [] }]
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /orders/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: string, maxLength: 32 } }]
    get:
      operationId: getOrder
      x-rampart:
        ownership: { lookup: { path: '/internal/orders/{id}/owner', field: owner_id, timeoutMs: 300 }, claim: consumer }
      responses: { '200': { description: ok } }
    delete:
      operationId: deleteOrder
      x-rampart:
        ownership: { lookup: { path: '/internal/orders/{id}/owner', field: owner_id, timeoutMs: 300 }, claim: consumer }
      responses: { '204': { description: gone } }
`;

/** Owners: 1 → alice, 2 → bob, 404 → none, 500 → error, text → not JSON, hang → never answers. */
function shop(up: TestUpstream) {
  up.handler = (req, res) => {
    const m = /^\/internal\/orders\/([a-z0-9]+)\/owner$/.exec(req.url ?? '');
    if (m !== null) {
      const id = m[1];
      if (id === 'hang') return; // the lookup times out
      if (id === '404') return void res.writeHead(404).end();
      if (id === '500') return void res.writeHead(500).end();
      if (id === 'text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('alice');
      const owner = id === '1' ? 'alice' : 'bob';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ owner_id: owner }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
  };
}

describe('ownership by upstream lookup', () => {
  let up: TestUpstream;
  let gw: AuthGateway;
  const keys: Record<string, string> = {};

  before(async () => {
    up = await startUpstream();
    shop(up);
    gw = await startAuthGateway({
      files: { 'openapi.yaml': OPENAPI },
      env: { PEPPER },
      config: () => `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: false
upstreams:
  app: { url: ${up.url}, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 }
apis:
  - { name: o, openapi: ./openapi.yaml, upstream: app }
auth:
  pepper: \${PEPPER}
  store: ./keys.db
  apiKeys:
    key: { header: x-api-key }
`,
    });
    for (const [who, roles] of [
      ['alice', []],
      ['bob', []],
      ['root', ['admin']],
    ] as const) {
      keys[who] = (await gw.services.auth!.keys!.create({ consumerId: who, roles: [...roles] })).key;
    }
  });
  after(async () => {
    await gw?.close();
    await up?.close();
  });

  const call = (who: string, id: string, method = 'GET') =>
    fetch(`${gw.url}/orders/${id}`, { method, headers: { 'x-api-key': keys[who]! } });
  const forwarded = (id: string) => up.seen.filter((s) => s.url === `/orders/${id}`).length;
  const lookups = (id: string) => up.seen.filter((s) => s.url === `/internal/orders/${id}/owner`).length;

  test('the owner passes; another caller gets 403 authz.bola and nothing is forwarded', async () => {
    let res = await call('alice', '1');
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(forwarded('1'), 1);
    res = await call('bob', '1');
    assert.equal(res.status, 403);
    assert.equal(await codeOf(res), 'authz.bola');
    res = await call('bob', '1', 'DELETE');
    assert.equal(res.status, 403);
    assert.equal(await codeOf(res), 'authz.bola');
    assert.equal(forwarded('1'), 1);
  });

  test('answers are cached: repeated calls ask the upstream once', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call('bob', '2');
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.equal(lookups('2'), 1);
    // object 1 above: one lookup per operation (GET, DELETE), each cached by its route
    assert.equal(lookups('1'), 2);
  });

  test('an object with no owner is refused as not yours (403)', async () => {
    const res = await call('alice', '404');
    assert.equal(res.status, 403);
    assert.equal(await codeOf(res), 'authz.bola');
  });

  test('a failing, non-JSON or silent lookup fails closed: 503, nothing forwarded', async () => {
    for (const id of ['500', 'text', 'hang']) {
      const res = await call('alice', id);
      assert.equal(res.status, 503, id);
      assert.equal(await codeOf(res), 'auth.unavailable');
      assert.equal(forwarded(id), 0);
    }
    // errors are not cached
    const res = await call('alice', '500');
    assert.equal(res.status, 503);
    await res.text();
    assert.equal(lookups('500'), 2);
  });

  test('the admin role bypasses the rule without a lookup', async () => {
    const res = await call('root', '7');
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(lookups('7'), 0);
  });
});

describe('createOwnerLookup', () => {
  let up: TestUpstream;
  let pool: Pool;
  before(async () => {
    up = await startUpstream();
    shop(up);
    pool = new Pool(up.url);
  });
  after(async () => {
    await pool.close();
    await up.close();
  });

  test('the cache is bounded in size and time', async () => {
    let now = 0;
    const lookup = createOwnerLookup({
      dispatcher: pool,
      path: '/internal/orders/{id}/owner',
      field: 'owner_id',
      ttlMs: 1000,
      maxEntries: 2,
      timeoutMs: 1000,
      now: () => now,
    });
    const count = () => up.seen.length;
    assert.deepEqual(await lookup({ id: '1' }), { kind: 'owner', owner: 'alice' });
    await lookup({ id: '2' });
    assert.equal(count(), 2);
    await lookup({ id: '1' });
    assert.equal(count(), 2); // cached
    await lookup({ id: '3' }); // evicts the oldest (1)
    await lookup({ id: '1' });
    assert.equal(count(), 4);
    now += 1001; // expired
    await lookup({ id: '1' });
    assert.equal(count(), 5);
  });

  test('concurrent lookups of one object share one request; parameters are encoded', async () => {
    const before = up.seen.length;
    const lookup = createOwnerLookup({
      dispatcher: pool,
      path: '/internal/orders/{id}/owner',
      field: 'owner_id',
      ttlMs: 1000,
      maxEntries: 10,
      timeoutMs: 1000,
    });
    const all = await Promise.all([lookup({ id: '9' }), lookup({ id: '9' }), lookup({ id: '9' })]);
    assert.equal(up.seen.length - before, 1);
    assert.ok(all.every((r) => r.kind === 'owner'));
    await lookup({ id: '..%2F..%2Fadmin' });
    assert.equal(up.seen.at(-1)?.url, '/internal/orders/..%2F..%2Fadmin/owner');
    assert.deepEqual(await lookup({ id: '%E0%A4%A' }), { kind: 'none' });
  });

  test('templates: parameters are found, bad braces refused', () => {
    assert.deepEqual(parseLookupTemplate('/a/{x}/b/{y}'), [
      { literal: '/a/' },
      { param: 'x' },
      { literal: '/b/' },
      { param: 'y' },
    ]);
    assert.throws(() => parseLookupTemplate('/a/{x'));
    assert.throws(() => parseLookupTemplate('/a/x}'));
    assert.throws(() => parseLookupTemplate('/a/{x}?q=1'));
  });
});
