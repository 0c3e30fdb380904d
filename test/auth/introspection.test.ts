import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { introspectionAuthenticator } from '../../src/auth/introspection.ts';
import type { RequestContext } from '../../src/gateway/pipeline.ts';

const ctxWith = (token?: string) =>
  ({
    req: { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
    clientIp: '192.0.2.1',
    query: '',
  }) as unknown as RequestContext;

describe('RFC 7662 introspection', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  let down = false;
  let lastAuth = '';
  const now = Math.floor(Date.now() / 1000);
  const tokens: Record<string, unknown> = {
    good: { active: true, sub: 'alice', scope: 'orders:read orders:write', roles: ['user'], exp: now + 600 },
    stale: { active: true, sub: 'alice', exp: now - 10 },
    revoked: { active: false },
  };

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      lastAuth = req.headers.authorization ?? '';
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        if (down) return void res.writeHead(500).end();
        const token = new URLSearchParams(body).get('token') ?? '';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(tokens[token] ?? { active: false }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const make = () =>
    introspectionAuthenticator('opaque', {
      url,
      clientId: 'gateway',
      clientSecret: 's3cret:x',
      timeoutMs: 2000,
      cacheMaxMs: 60_000,
      claims: { consumer: 'sub', roles: 'roles', scopes: 'scope' },
    });

  test('an active token maps to an identity, with client credentials sent as Basic auth', async () => {
    const a = make();
    const r = await a.authenticate(ctxWith('good'), { allowQuery: false });
    assert.equal(r.kind, 'ok');
    assert.ok(r.kind === 'ok');
    assert.equal(r.identity.consumer, 'alice');
    assert.equal(r.identity.kind, 'introspection');
    assert.deepEqual(r.identity.scopes, ['orders:read', 'orders:write']);
    assert.equal(lastAuth, `Basic ${Buffer.from('gateway:s3cret%3Ax').toString('base64')}`);
  });

  test('answers are cached: a second use of a token does not call the endpoint', async () => {
    const a = make();
    await a.authenticate(ctxWith('good'), { allowQuery: false });
    const before = hits;
    const r = await a.authenticate(ctxWith('good'), { allowQuery: false });
    assert.equal(r.kind, 'ok');
    assert.equal(hits, before);
  });

  test('inactive and past-exp tokens: 401 auth.token.inactive with an invalid_token challenge', async () => {
    const a = make();
    for (const t of ['revoked', 'stale', 'unknown']) {
      const r = await a.authenticate(ctxWith(t), { allowQuery: false });
      assert.ok(r.kind === 'fail');
      assert.equal(r.refusal.code, 'auth.token.inactive');
      assert.match(r.refusal.headers?.['www-authenticate'] ?? '', /error="invalid_token"/);
    }
  });

  test('endpoint failure fails closed: 503 auth.unavailable', async () => {
    down = true;
    try {
      const r = await make().authenticate(ctxWith('good'), { allowQuery: false });
      assert.ok(r.kind === 'fail');
      assert.equal(r.refusal.code, 'auth.unavailable');
    } finally {
      down = false;
    }
    const unreachable = introspectionAuthenticator('opaque', {
      url: 'http://127.0.0.1:1/introspect',
      clientId: 'g',
      clientSecret: 's',
      timeoutMs: 500,
      cacheMaxMs: 1000,
      claims: { consumer: 'sub', roles: 'roles', scopes: 'scope' },
    });
    const r = await unreachable.authenticate(ctxWith('good'), { allowQuery: false });
    assert.ok(r.kind === 'fail');
    assert.equal(r.refusal.code, 'auth.unavailable');
  });

  test('no bearer token: absent', async () => {
    assert.deepEqual(await make().authenticate(ctxWith(), { allowQuery: false }), { kind: 'absent' });
  });
});
