import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { exemptMatcher } from '../../src/policies/bruteforce.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from '../state/gateway.ts';
import { loginOpenApi } from './login-openapi.ts';

const LOGIN_OPENAPI = loginOpenApi(`  /me:
    get:
      operationId: me
      responses: { '200': { description: ok }, '401': { description: no } }
`);

// Every login and every /me answers 401: only the gateway's counting decides what the client sees.
async function refusingUpstream(): Promise<TestUpstream> {
  const up = await startUpstream();
  up.handler = (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"ok":false}');
    });
  };
  return up;
}

async function login(url: string, username: string): Promise<number> {
  const res = await fetch(`${url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'wrong' }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function me(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/me`, { headers: { authorization: 'Bearer nope' } });
  await res.arrayBuffer();
  return res.status;
}

describe('bruteForce.exemptIps: matcher', () => {
  test('IPs and CIDRs, v4 and v6', () => {
    const m = exemptMatcher(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
    assert.equal(m('127.0.0.1'), true);
    assert.equal(m('127.0.0.2'), false);
    assert.equal(m('10.200.3.4'), true);
    assert.equal(m('11.0.0.1'), false);
    assert.equal(m('2001:db8::1'), true);
    assert.equal(m('2001:db9::1'), false);
    assert.equal(m('not-an-ip'), false);
    assert.equal(exemptMatcher([])('127.0.0.1'), false);
  });

  test('a bad entry is a ConfigError naming it', () => {
    assert.throws(
      () => exemptMatcher(['10.0.0.0/8', '10.0.0.0/40']),
      (err: unknown) => err instanceof ConfigError && /10\.0\.0\.0\/40/.test(err.message),
    );
  });
});

async function gatewayWith(exempt: string): Promise<{ up: TestUpstream; gw: ServicedGateway }> {
  const up = await refusingUpstream();
  const gw = await startServicedGateway({
    upstreamUrl: up.url,
    openapi: LOGIN_OPENAPI,
    extraConfig: `bruteForce: { maxFailures: 3, maxFailuresPerIp: 4, delayAfter: 100, lockoutSeconds: 60, exemptIps: [${exempt}] }`,
  });
  return { up, gw };
}

describe('bruteForce.exemptIps: an exempt client (127.0.0.0/8)', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    ({ up, gw } = await gatewayWith('127.0.0.0/8'));
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('is never locked out per IP: one failed login each for 8 usernames all reach the upstream', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await login(gw.url, `user${i}`));
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 401]);
  });

  test('401s on a route that needs credentials do not lock it out', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await me(gw.url));
    // the per-IP count is taken after each response; give a lock time to land, then look again
    await new Promise((r) => setTimeout(r, 50));
    statuses.push(await me(gw.url));
    assert.deepEqual(new Set(statuses), new Set([401]));
  });

  test('per-username limits still apply', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await login(gw.url, 'alice'));
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });
});

describe('bruteForce.exemptIps: a client outside the list (10.0.0.0/8 exempt, the test runs from 127.0.0.1)', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    ({ up, gw } = await gatewayWith('10.0.0.0/8'));
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('is locked out past maxFailuresPerIp as before', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await login(gw.url, `user${i}`));
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
  });
});
