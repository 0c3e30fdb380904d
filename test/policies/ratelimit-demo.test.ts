import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DemoApi } from '../../examples/demo-api/server.ts';
import { startDemoPair } from '../helpers/demo.ts';

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
  let gw: string;
  let closePair: () => Promise<void>;

  before(async () => {
    const pair = await startDemoPair();
    ({ direct, gw } = pair);
    closePair = pair.close;
  });
  after(async () => {
    await closePair();
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
