import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DemoApi, startDemoApi } from '../../examples/demo-api/server.ts';
import { loadConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices, type PolicyServices } from '../../src/policies/services.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

async function login(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { token?: string; code?: string; requestId?: string };
  delete body.requestId;
  return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
}

describe('the demo: login brute force and unbounded page size, direct and through the gateway', () => {
  let direct: DemoApi;
  let behind: DemoApi;
  let gateway: Gateway;
  let services: PolicyServices;
  let gw: string;

  before(async () => {
    direct = await startDemoApi({ quiet: true });
    behind = await startDemoApi({ quiet: true });
    const loaded = await loadConfig(DEMO_CONFIG, {
      RAMPART_DEMO_PORT: '0',
      RAMPART_DEMO_ADMIN_PORT: '0',
      RAMPART_DEMO_UPSTREAM: behind.url,
    });
    services = await createServices(loaded.config, loaded.dir);
    const plan = await compilePlan(loaded, { services });
    gateway = await startGateway(plan, {
      logger: createLogger({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() })),
      metrics: createMetrics(),
    });
    gw = gateway.listeners[0]!.url;
  });
  after(async () => {
    await gateway.close(1000);
    await closeServices(services);
    await direct.close();
    await behind.close();
  });

  test('directly, unbounded guessing works: 10 wrong passwords, then the right one', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await login(direct.url, 'bob', `guess${i}`)).status, 401);
    assert.equal((await login(direct.url, 'bob', 'bob123')).status, 200);
  });

  test('through the gateway the username locks after 5 failures, even for the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(gw, 'bob', `guess${i}`)).status);
    const last = await login(gw, 'bob', 'bob123');
    statuses.push(last.status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    assert.equal(last.body.code, 'auth.locked');
    assert.equal(last.body.token, undefined);
  });

  test('an account that does not exist locks with the very same answer', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await login(gw, 'nosuchuser', `guess${i}`)).status, 401);
    const ghost = await login(gw, 'nosuchuser', 'x');
    const real = await login(gw, 'bob', 'x');
    assert.equal(ghost.status, 429);
    assert.deepEqual(ghost.body, real.body);
    assert.equal(ghost.retryAfter, real.retryAfter);
  });

  test('page size: limit=1000000 is served directly and refused through the gateway', async () => {
    const directToken = (await login(direct.url, 'alice', 'alice123')).body.token!;
    const big = await fetch(`${direct.url}/api/v1/orders?limit=1000000`, {
      headers: { authorization: `Bearer ${directToken}` },
    });
    assert.equal(big.status, 200);
    await big.arrayBuffer();

    const token = (await login(gw, 'alice', 'alice123')).body.token!;
    const refused = await fetch(`${gw}/api/v1/orders?limit=1000000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { code: string }).code, 'request.query.page_size');
    const fine = await fetch(`${gw}/api/v1/orders?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(fine.status, 200);
    await fine.arrayBuffer();
  });
});
