import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_JWT_SECRET, type DemoApi, startDemoApi } from '../../examples/demo-api/server.ts';
import { loadConfig } from '../../src/config/load.ts';
import { compilePlan, type Plan } from '../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices, type PolicyServices } from '../../src/policies/services.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** The README's exploit 6: a token forged with the cracked secret, admin role, iat 0, exp 4e9. */
function forgedAdminToken(): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '3', username: 'admin', role: 'admin', iat: 0, exp: 4e9 })}`;
  return `${input}.${createHmac('sha256', DEMO_JWT_SECRET).update(input).digest('base64url')}`;
}

async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 200, `login ${username}`);
  return ((await res.json()) as { token: string }).token;
}

async function send(base: string, method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, text, code };
}

describe('the demo: auth flaws exploitable directly, refused through the gateway', () => {
  let direct: DemoApi;
  let behind: DemoApi;
  let gateway: Gateway;
  let services: PolicyServices;
  let plan: Plan;
  let gw: string;
  let aliceDirect: string;
  let aliceGw: string;
  let adminGw: string;

  before(async () => {
    direct = await startDemoApi({ quiet: true });
    behind = await startDemoApi({ quiet: true });
    const loaded = await loadConfig(DEMO_CONFIG, {
      RAMPART_DEMO_PORT: '0',
      RAMPART_DEMO_ADMIN_PORT: '0',
      RAMPART_DEMO_UPSTREAM: behind.url,
    });
    services = await createServices(loaded.config, loaded.dir);
    plan = await compilePlan(loaded, { services });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    gateway = await startGateway(plan, {
      logger: createLogger({ level: 'silent' }, sink),
      metrics: createMetrics(),
    });
    gw = gateway.listeners[0]!.url;
    aliceDirect = await login(direct.url, 'alice', 'alice123');
    aliceGw = await login(gw, 'alice', 'alice123');
    adminGw = await login(gw, 'admin', 'admin123');
  });
  after(async () => {
    await gateway.close(1000);
    await closeServices(services);
    await direct.close();
    await behind.close();
  });

  test('BOLA: alice reads bob (user 2) directly; the gateway refuses with authz.bola', async () => {
    const d = await send(direct.url, 'GET', '/api/v1/users/2', aliceDirect);
    assert.equal(d.status, 200);
    assert.match(d.text, /"username":"bob"/);
    const g = await send(gw, 'GET', '/api/v1/users/2', aliceGw);
    assert.equal(g.status, 403);
    assert.equal(g.code, 'authz.bola');
    assert.ok(!g.text.includes('bob'));
    assert.equal((await send(gw, 'GET', '/api/v1/users/1', aliceGw)).status, 200);
  });

  test("BOLA: alice reads bob's order 4 directly; the gateway refuses before the body leaves", async () => {
    const d = await send(direct.url, 'GET', '/api/v1/orders/4', aliceDirect);
    assert.equal(d.status, 200);
    assert.match(d.text, /5555555555554444/);
    const g = await send(gw, 'GET', '/api/v1/orders/4', aliceGw);
    assert.equal(g.status, 403);
    assert.equal(g.code, 'authz.bola');
    assert.ok(!g.text.includes('5555'));
    assert.equal((await send(gw, 'GET', '/api/v1/orders/1', aliceGw)).status, 200);
    assert.equal((await send(gw, 'GET', '/api/v1/orders/4', adminGw)).status, 200);
  });

  test('BOLA: alice renames bob directly; the gateway refuses', async () => {
    const d = await send(direct.url, 'PATCH', '/api/v1/users/2', aliceDirect, { display_name: 'pwned' });
    assert.equal(d.status, 200);
    const g = await send(gw, 'PATCH', '/api/v1/users/2', aliceGw, { display_name: 'pwned' });
    assert.equal(g.status, 403);
    assert.equal(g.code, 'authz.bola');
  });

  test('weak JWT: the forged admin token works directly; the gateway refuses it', async () => {
    const forged = forgedAdminToken();
    const d = await send(direct.url, 'GET', '/api/v1/users/2', forged);
    assert.equal(d.status, 200);
    const g = await send(gw, 'GET', '/api/v1/users/2', forged);
    assert.equal(g.status, 401);
    assert.equal(g.code, 'auth.jwt.expired'); // iat 0: older than the one-hour maximum
    // the same forgery with a fresh iat but a ten-year lifetime
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '3', username: 'admin', role: 'admin', iat: now, exp: now + 315_360_000 })}`;
    const longLived = `${input}.${createHmac('sha256', DEMO_JWT_SECRET).update(input).digest('base64url')}`;
    assert.equal((await send(direct.url, 'GET', '/api/v1/users/2', longLived)).status, 200);
    const g2 = await send(gw, 'GET', '/api/v1/users/2', longLived);
    assert.equal(g2.status, 401);
    assert.equal(g2.code, 'auth.jwt.claims');
  });

  test('weak JWT: a fresh one-hour token forged with the cracked secret works directly; the gateway never issued it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '3', username: 'admin', role: 'admin', iat: now, exp: now + 3000 })}`;
    const fresh = `${input}.${createHmac('sha256', DEMO_JWT_SECRET).update(input).digest('base64url')}`;
    assert.equal((await send(direct.url, 'GET', '/api/v1/users/2', fresh)).status, 200);
    const g = await send(gw, 'GET', '/api/v1/users/2', fresh);
    assert.equal(g.status, 401);
    assert.equal(g.code, 'auth.jwt.unissued');
    // a token the login issued through the gateway is accepted at once, and stays accepted
    const admin = await login(gw, 'admin', 'admin123');
    assert.equal((await send(gw, 'GET', '/api/v1/users/2', admin)).status, 200);
    assert.equal((await send(gw, 'GET', '/api/v1/users/2', admin)).status, 200);
    // a genuine token from a login made directly (not through the gateway) is refused too; bob
    // never logs in through the gateway here (the demo's tokens carry no jti: same second, same token)
    const sideways = await login(direct.url, 'bob', 'bob123');
    assert.equal((await send(gw, 'GET', '/api/v1/users/2', sideways)).code, 'auth.jwt.unissued');
  });

  test('alg none, another algorithm and a tampered payload are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: '3', username: 'admin', role: 'admin', iat: now, exp: now + 600 };
    const none = await send(
      gw,
      'GET',
      '/api/v1/orders',
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    );
    assert.equal(none.code, 'auth.jwt.alg');
    const hs512Input = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(claims)}`;
    const hs512 = `${hs512Input}.${createHmac('sha512', DEMO_JWT_SECRET).update(hs512Input).digest('base64url')}`;
    assert.equal((await send(gw, 'GET', '/api/v1/orders', hs512)).code, 'auth.jwt.alg');
    const [h, , s] = aliceGw.split('.') as [string, string, string];
    const tampered = `${h}.${b64(claims)}.${s}`;
    const t = await send(gw, 'GET', '/api/v1/users/2', tampered);
    assert.equal(t.status, 401);
    assert.equal(t.code, 'auth.jwt.invalid');
  });

  test('missing credentials: 401 auth.missing at the gateway, with a Bearer challenge', async () => {
    const res = await fetch(`${gw}/api/v1/orders`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="rampart"');
    assert.equal(((await res.json()) as { code: string }).code, 'auth.missing');
  });

  test('BFLA: every admin operation of the demo refuses an ordinary user; the direct API does not', async () => {
    const adminRoutes = plan.routes.filter((r) => r.operation?.tags.includes('admin') === true);
    assert.ok(adminRoutes.length > 0);
    for (const r of adminRoutes) {
      const path = r.template.replace(/\{[^}]+\}/g, '2');
      const g = await send(gw, r.method, path, aliceGw);
      assert.equal(g.status, 403, `${r.method} ${path}`);
      assert.equal(g.code, 'authz.function');
    }
    const d = await send(direct.url, 'DELETE', '/api/v1/admin/users/2', aliceDirect);
    assert.equal(d.status, 200);
    const byAdmin = await send(gw, 'DELETE', '/api/v1/admin/users/2', adminGw);
    assert.equal(byAdmin.status, 200);
  });
});
