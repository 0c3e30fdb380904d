import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'undici';
import { type JwksServer, startJwksServer } from '../auth/jwks-server.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { authConfig, OPENAPI, PEPPER, shopUpstream, signer } from './auth-fixture.ts';
import { type AuthGateway, codeOf, type ShopGateway, startAuthGateway, startShop } from './auth-gateway.ts';

describe('authenticate policy through the gateway', () => {
  let up: TestUpstream;
  let jwks: JwksServer;
  let gw: AuthGateway;
  let s: Awaited<ReturnType<typeof signer>>;

  before(async () => {
    s = await signer();
    up = await startUpstream();
    up.handler = shopUpstream;
    jwks = await startJwksServer([s.key.jwk]);
    gw = await startAuthGateway({
      config: () => authConfig(up.url, jwks.url),
      files: { 'openapi.yaml': OPENAPI },
      env: { PEPPER },
    });
  });
  after(async () => {
    await gw.close();
    await jwks.close();
    await up.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gw.url}${path}`, { headers });

  test('a public operation needs no credentials', async () => {
    const res = await get('/health');
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  test('no credentials: 401 auth.missing with a challenge per scheme, and the upstream never sees it', async () => {
    const before = up.seen.length;
    const res = await get('/orders');
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer realm="rampart"/);
    assert.match(challenge, /ApiKey realm="rampart", header="x-api-key"/);
    assert.equal(await codeOf(res), 'auth.missing');
    assert.equal(up.seen.length, before);
  });

  test('a valid JWT passes; identity goes upstream and a forged x-rampart-consumer is dropped', async () => {
    const res = await get('/orders', {
      authorization: `Bearer ${await s.sign('alice')}`,
      'x-rampart-consumer': 'admin',
      'X-Rampart-Roles': 'admin',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.consumer, 'alice');
    assert.equal(body.scopes, 'orders:read');
    assert.equal(body.roles, 'user');
    const seen = up.seen.at(-1)!;
    assert.deepEqual(
      seen.rawHeaders.filter(
        (_, i) => i % 2 === 0 && seen.rawHeaders[i]!.toLowerCase() === 'x-rampart-consumer',
      ),
      ['x-rampart-consumer'],
    );
  });

  test('a verified credential stops at the gateway: the upstream gets the identity, not the secret', async () => {
    const token = await s.sign('alice');
    const viaJwt = await get('/orders', { authorization: `Bearer ${token}`, 'x-trace': 'jwt' });
    assert.equal(viaJwt.status, 200);
    await viaJwt.body?.cancel();
    let seen = up.seen.at(-1)!;
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers['x-rampart-consumer'], 'alice');
    assert.equal(seen.headers['x-trace'], 'jwt');

    const issued = await gw.services.auth!.keys!.create({ consumerId: 'svc-hidden', roles: [], scopes: [] });
    // the key authenticates; an Authorization header it did not use goes on untouched
    const viaKey = await get('/orders', { 'x-api-key': issued.key, authorization: 'Basic dXNlcjpwdw==' });
    assert.equal(viaKey.status, 200);
    await viaKey.body?.cancel();
    seen = up.seen.at(-1)!;
    assert.equal(seen.headers['x-api-key'], undefined);
    assert.equal(seen.headers.authorization, 'Basic dXNlcjpwdw==');
    assert.equal(seen.headers['x-rampart-consumer'], 'svc-hidden');
  });

  test('an expired JWT: 401 auth.jwt.expired with an RFC 6750 invalid_token challenge', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await get('/orders', {
      authorization: `Bearer ${await s.sign('alice', {}, { iat: now - 900, exp: now - 300 })}`,
    });
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer realm="rampart", error="invalid_token", error_description="token expired"',
    );
    assert.equal(await codeOf(res), 'auth.jwt.expired');
  });

  test('alg none and a wrong audience are refused with their codes', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64({ sub: 'alice', exp: 9_999_999_999 })}.`;
    const r1 = await get('/orders', { authorization: `Bearer ${none}` });
    assert.equal(r1.status, 401);
    assert.equal(await codeOf(r1), 'auth.jwt.alg');
    const r2 = await get('/orders', {
      authorization: `Bearer ${await s.sign('alice', {}, { aud: 'other' })}`,
    });
    assert.equal(await codeOf(r2), 'auth.jwt.claims');
  });

  test('API keys: valid, unknown, revoked at once', async () => {
    const keys = gw.services.auth!.keys!;
    const issued = await keys.create({ consumerId: 'svc-billing', roles: ['service'], scopes: [] });
    const ok = await get('/orders', { 'x-api-key': issued.key });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { consumer: string }).consumer, 'svc-billing');

    const unknown = await get('/orders', { 'x-api-key': `${issued.key.slice(0, -7)}AAAAAAA` });
    assert.equal(unknown.status, 401);
    assert.equal(await codeOf(unknown), 'auth.key.invalid');

    await keys.revoke(issued.record.id);
    const revoked = await get('/orders', { 'x-api-key': issued.key });
    assert.equal(revoked.status, 401);
    assert.equal(await codeOf(revoked), 'auth.key.revoked');
  });

  test("one keep-alive connection that switches keys gets each key's identity, and a revoked key is refused on it", async () => {
    const keys = gw.services.auth!.keys!;
    const a = await keys.create({ consumerId: 'conn-a', roles: ['service'], scopes: ['orders:read'] });
    const b = await keys.create({ consumerId: 'conn-b', roles: [], scopes: [] });
    // a client of one connection, as a proxy in front of the gateway would hold for many clients
    const client = new Client(gw.url, { pipelining: 1, connections: 1 } as Client.Options);
    try {
      const consumerWith = async (key: string) => {
        const res = await client.request({ path: '/orders', method: 'GET', headers: { 'x-api-key': key } });
        const body = (await res.body.json()) as {
          consumer?: string;
          roles?: string | null;
          scopes?: string | null;
        };
        return { status: res.statusCode, ...body };
      };
      assert.equal((await consumerWith(a.key)).consumer, 'conn-a');
      const asB = await consumerWith(b.key);
      assert.equal(asB.consumer, 'conn-b');
      assert.equal(asB.roles, null, 'no roles: no x-rampart-roles header upstream');
      assert.equal(asB.scopes, null, 'no scopes: no x-rampart-scopes header upstream');
      const asA = await consumerWith(a.key);
      assert.equal(asA.consumer, 'conn-a');
      assert.equal(asA.roles, 'service');
      assert.equal(asA.scopes, 'orders:read');
      const forged = await consumerWith(`${a.key.slice(0, -1)}${a.key.endsWith('A') ? 'B' : 'A'}`);
      assert.equal(forged.status, 401, 'a key differing in its last character is not the remembered one');
      await keys.revoke(a.record.id);
      assert.equal((await consumerWith(a.key)).status, 401, 'revoked while the connection remembers it');
    } finally {
      await client.close();
    }
  });

  test('an API key in the query string counts only where the route allows it', async () => {
    const issued = await gw.services.auth!.keys!.create({ consumerId: 'svc-q' });
    const refused = await get(`/orders?api_key=${issued.key}`);
    assert.equal(refused.status, 401);
    assert.equal(await codeOf(refused), 'auth.missing');
    const allowed = await get(`/keyed?api_key=${issued.key}`);
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
  });

  test('the key store holds only hashes', async () => {
    const issued = await gw.services.auth!.keys!.create({ consumerId: 'svc-h' });
    const rows = await gw.services.auth!.store!.listKeys({ consumerId: 'svc-h' });
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.hash, issued.key);
    assert.ok(!JSON.stringify(rows).includes(issued.key.slice(12, 30)));
  });
});

describe('authentication fails closed', () => {
  test('JWKS unreachable with nothing cached: 503 auth.unavailable', async () => {
    const s = await signer();
    const up = await startUpstream();
    const jwks = await startJwksServer([]);
    jwks.failWith = 500;
    const gw = await startAuthGateway({
      config: () => authConfig(up.url, jwks.url),
      files: { 'openapi.yaml': OPENAPI },
      env: { PEPPER },
    });
    try {
      const res = await fetch(`${gw.url}/orders`, {
        headers: { authorization: `Bearer ${await s.sign('alice')}` },
      });
      assert.equal(res.status, 503);
      assert.equal(await codeOf(res), 'auth.unavailable');
      assert.equal(up.seen.length, 0);
    } finally {
      await gw.close();
      await jwks.close();
      await up.close();
    }
  });

  test('a security scheme with no authenticator is a config error naming the operation', async () => {
    const up = await startUpstream();
    const jwks = await startJwksServer([]);
    await assert.rejects(
      startAuthGateway({
        config: () =>
          authConfig(up.url, jwks.url).replace('    key: { header: x-api-key }\n', '    other: {}\n'),
        files: { 'openapi.yaml': OPENAPI },
        env: { PEPPER },
      }),
      /security scheme "key" of GET \/orders has no authenticator/,
    );
    await jwks.close();
    await up.close();
  });

  test('an HMAC secret under 32 bytes is refused at load', async () => {
    const up = await startUpstream();
    const cfg = authConfig(up.url, 'http://127.0.0.1:1/x').replace(
      /algorithms: \[ES256\]\n\s+jwksUrl: \S+/,
      'algorithms: [HS256]\n          secret: secret123',
    );
    await assert.rejects(
      startAuthGateway({ config: () => cfg, files: { 'openapi.yaml': OPENAPI }, env: { PEPPER } }),
      /shorter than 32 bytes/,
    );
    await up.close();
  });
});

describe('authenticate policy with forward: true', () => {
  let shop: ShopGateway;
  before(async () => {
    shop = await startShop((config) =>
      config
        .replace('key: { header: x-api-key }', 'key: { header: x-api-key, forward: true }')
        .replace(
          '      claims: { roles: roles, scopes: scope }',
          '      claims: { roles: roles, scopes: scope }\n      forward: true',
        ),
    );
  });
  after(() => shop.close());

  test('the upstream receives the verified token and key as the client sent them', async () => {
    const { gw, up } = shop;
    const token = await shop.s.sign('alice');
    const viaJwt = await fetch(`${gw.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(viaJwt.status, 200);
    await viaJwt.body?.cancel();
    assert.equal(up.seen.at(-1)!.headers.authorization, `Bearer ${token}`);

    const issued = await gw.services.auth!.keys!.create({ consumerId: 'svc-fwd', roles: [], scopes: [] });
    const viaKey = await fetch(`${gw.url}/orders`, { headers: { 'x-api-key': issued.key } });
    assert.equal(viaKey.status, 200);
    await viaKey.body?.cancel();
    assert.equal(up.seen.at(-1)!.headers['x-api-key'], issued.key);
  });
});
