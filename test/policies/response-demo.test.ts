import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DemoApi } from '../../examples/demo-api/server.ts';
import { startDemoPair } from '../helpers/demo.ts';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

async function call(base: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the text is asserted on
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

async function login(base: string, username: string, password: string): Promise<string> {
  const r = await call(base, '/api/v1/auth/login', undefined, { username, password });
  assert.equal(r.status, 200, r.text);
  return r.body.token as string;
}

const STACK = /\n\s+at |server\.ts:\d+/;

describe('the demo: leaked properties, stack traces and banners, direct and through the gateway', () => {
  let direct: DemoApi;
  let gw: string;
  let closePair: () => Promise<void>;
  let directToken: string;
  let gwToken: string;

  before(async () => {
    const pair = await startDemoPair();
    ({ direct, gw } = pair);
    closePair = pair.close;
    directToken = await login(direct.url, 'alice', 'alice123');
    gwToken = await login(gw, 'alice', 'alice123');
  });

  after(async () => {
    await closePair();
  });

  test('GET /users/{id}: password_hash, email and role leak directly, not through the gateway', async () => {
    const d = await call(direct.url, '/api/v1/users/1', directToken);
    assert.equal(d.status, 200);
    for (const k of ['password_hash', 'email', 'role']) assert.ok(k in d.body, `direct leaks ${k}`);
    const g = await call(gw, '/api/v1/users/1', gwToken);
    assert.equal(g.status, 200);
    assert.deepEqual(Object.keys(g.body).sort(), ['display_name', 'id', 'username']);
    assert.ok(!g.text.includes('$scrypt$') && !g.text.includes('@example.com'));
  });

  test('GET /orders/{id} and the order list: card_number leaks directly, not through the gateway', async () => {
    const d = await call(direct.url, '/api/v1/orders/1', directToken);
    assert.match(String(d.body.card_number), /^\d{16}$/);
    const g = await call(gw, '/api/v1/orders/1', gwToken);
    assert.equal(g.status, 200, 'the ownership check still sees user_id before it is stripped');
    assert.equal(g.body.card_number, undefined);
    assert.equal(g.body.card_holder, undefined);
    assert.equal(g.body.status, 'paid');
    const list = await call(gw, '/api/v1/orders?limit=5', gwToken);
    assert.equal(list.status, 200);
    const items = list.body.items as Record<string, unknown>[];
    assert.ok(items.length > 0);
    for (const item of items) assert.equal(item.card_number, undefined);
    assert.ok(!/\d{16}/.test(list.text));
  });

  test('an upstream 500 (the search SQL error) shows SQL and a stack trace directly; a generic problem through the gateway', async () => {
    const path = `/api/v1/products/search?q=${encodeURIComponent("O'Brien")}`;
    const d = await call(direct.url, path, directToken);
    assert.equal(d.status, 500);
    assert.match(d.text, /SQLITE_ERROR/);
    assert.match(String(d.body.stack), STACK);
    assert.match(String(d.body.sql), /SELECT .* FROM products/);
    const g = await call(gw, path, gwToken);
    assert.equal(g.status, 500);
    assert.equal(g.headers.get('content-type'), 'application/problem+json');
    assert.equal(g.body.requestId, g.headers.get('x-request-id'));
    assert.ok(!/SQLITE|SELECT|stack|server\.ts/.test(g.text), g.text);
  });

  test('a 404 carries a stack trace directly; through the gateway only the declared error message', async () => {
    const d = await call(direct.url, '/api/v1/orders/999', directToken);
    assert.equal(d.status, 404);
    assert.match(String(d.body.stack), STACK);
    const g = await call(gw, '/api/v1/orders/999', gwToken);
    assert.equal(g.status, 404);
    assert.deepEqual(g.body, { error: 'Order not found' });
  });

  test('the Server and X-Powered-By banners are sent directly, removed by the gateway', async () => {
    const d = await call(direct.url, '/api/v1/health');
    assert.ok(d.headers.get('server') !== null || d.headers.get('x-powered-by') !== null);
    const g = await call(gw, '/api/v1/health');
    assert.equal(g.status, 200);
    assert.equal(g.headers.get('server'), null);
    assert.equal(g.headers.get('x-powered-by'), null);
    assert.deepEqual(g.body, { status: 'ok', version: '0.1.0' });
  });
});
