import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attemptDelay, BRUTE_FORCE_DEFAULTS, loginUsername } from '../../src/policies/bruteforce.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from '../state/gateway.ts';
import { loginOpenApi } from './login-openapi.ts';

const LOGIN_OPENAPI = loginOpenApi(`  /health:
    get:
      operationId: health
      security: []
      responses: { '200': { description: ok } }
`);

/** An upstream where every account's password is "right"; it answers 401 otherwise, like most login APIs. */
async function loginUpstream(): Promise<TestUpstream> {
  const up = await startUpstream();
  up.handler = (req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      let body: { username?: unknown; password?: unknown } = {};
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {}
      const ok = typeof body.username === 'string' && body.password === 'right';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok }));
    });
  };
  return up;
}

async function attempt(url: string, username: string, password: string): Promise<Response> {
  const res = await fetch(`${url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return res;
}

async function problem(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  delete body.requestId;
  return body;
}

describe('login helpers', () => {
  test('usernames from JSON and form bodies, normalized', () => {
    const json = Buffer.from('{"username":"  Alice ","password":"x"}');
    assert.equal(loginUsername(json, 'application/json', 'username'), 'alice');
    const form = Buffer.from('username=B%C3%B6b&password=x');
    assert.equal(loginUsername(form, 'application/x-www-form-urlencoded', 'username'), 'böb');
    assert.equal(loginUsername(Buffer.from('{"username":42}'), 'application/json', 'username'), undefined);
    assert.equal(loginUsername(Buffer.from('not json'), 'application/json', 'username'), undefined);
    assert.equal(
      loginUsername(Buffer.from('{"__proto__":{"username":"x"}}'), 'application/json', 'username'),
      undefined,
    );
    const long = Buffer.from(JSON.stringify({ username: 'a'.repeat(10_000) }));
    assert.equal(loginUsername(long, 'application/json', 'username')?.length, 256);
  });

  test('progressive delay: none before delayAfter, doubling, capped', () => {
    const cfg = { ...BRUTE_FORCE_DEFAULTS, delayAfter: 2, baseDelayMs: 100, maxDelayMs: 1_000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 50].map((f) => attemptDelay(f, cfg)),
      [0, 0, 100, 200, 400, 800, 1_000, 1_000],
    );
  });
});

describe('login brute force through the gateway', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    up = await loginUpstream();
    gw = await startServicedGateway({
      upstreamUrl: up.url,
      openapi: LOGIN_OPENAPI,
      extraConfig: 'bruteForce: { maxFailures: 3, maxFailuresPerIp: 1000, delayAfter: 100 }',
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('after maxFailures a username is locked (429 auth.locked), even with the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await attempt(gw.url, 'alice', `wrong${i}`);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    const res = await attempt(gw.url, 'alice', 'right');
    statuses.push(res.status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    const body = await problem(res);
    assert.equal(body.code, 'auth.locked');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.equal(up.seen.length, 3, 'the locked attempt never reached the upstream');
  });

  test('an unknown username locks the same way, with the same answer', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await attempt(gw.url, 'nobody-at-all', 'x');
      if (i < 3) {
        assert.equal(last.status, 401);
        await last.arrayBuffer();
      }
    }
    assert.equal(last!.status, 429);
    const locked = await attempt(gw.url, 'alice', 'x');
    assert.deepEqual(await problem(last!), await problem(locked));
    assert.equal(last!.headers.get('retry-after'), locked.headers.get('retry-after'));
  });

  test('a success clears the count; other usernames are not affected', async () => {
    const statuses: number[] = [];
    for (const pw of ['x', 'x', 'right', 'x', 'x', 'x', 'x']) {
      const res = await attempt(gw.url, 'erin', pw);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [401, 401, 200, 401, 401, 401, 429]);
    // alice and erin are locked; carol is not
    const other = await attempt(gw.url, 'carol', 'x');
    assert.equal(other.status, 401);
    await other.arrayBuffer();
  });

  test('the body reaches the upstream intact', async () => {
    const before = up.seen.length;
    const res = await attempt(gw.url, 'dave', 'x');
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { ok: false });
    assert.equal(up.seen.length, before + 1);
  });
});

describe('per-IP failures lock the IP out', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    up = await loginUpstream();
    gw = await startServicedGateway({
      upstreamUrl: up.url,
      openapi: LOGIN_OPENAPI,
      extraConfig:
        'bruteForce: { maxFailures: 100, maxFailuresPerIp: 4, delayAfter: 100, lockoutSeconds: 60 }',
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('credential stuffing (one try per username) is refused past maxFailuresPerIp', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await attempt(gw.url, `user${i}`, 'password1');
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    assert.equal(up.seen.length, 4);
  });
});

describe('failed authentications on other routes count per IP', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    up = await startUpstream();
    up.handler = (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{}');
    };
    gw = await startServicedGateway({
      upstreamUrl: up.url,
      extraConfig: 'bruteForce: { maxFailuresPerIp: 3, lockoutSeconds: 60 }',
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('past maxFailuresPerIp 401s, the IP gets 429 auth.locked on routes that need credentials', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${gw.url}/v1/admin`, { headers: { authorization: 'Bearer nope' } });
      await res.arrayBuffer();
      assert.equal(res.status, 401);
    }
    // the count is taken after each response: wait for the lock to land
    let res: Response | undefined;
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${gw.url}/v1/admin`, { headers: { authorization: 'Bearer nope' } });
      if (res.status === 429) break;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(res!.status, 429);
    assert.equal(((await res!.json()) as { code: string }).code, 'auth.locked');
    // a public route is not behind the lock (this upstream answers 401 to everything)
    const pub = await fetch(`${gw.url}/v1/health`);
    await pub.arrayBuffer();
    assert.equal(pub.status, 401);
  });
});
