import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type JwksServer, startJwksServer } from '../auth/jwks-server.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { authConfig, OPENAPI, PEPPER, shopUpstream, signer } from './auth-fixture.ts';
import { type AuthGateway, codeOf, startAuthGateway } from './auth-gateway.ts';

describe('authorize policy through the gateway', () => {
  let up: TestUpstream;
  let jwks: JwksServer;
  let gw: AuthGateway;
  let s: Awaited<ReturnType<typeof signer>>;
  let alice: string;
  let admin: string;

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
    alice = `Bearer ${await s.sign('alice')}`;
    admin = `Bearer ${await s.sign('root', { roles: ['admin'] })}`;
  });
  after(async () => {
    await gw.close();
    await jwks.close();
    await up.close();
  });

  const call = (path: string, authorization: string, method = 'GET') =>
    fetch(`${gw.url}${path}`, { method, headers: { authorization } });

  test('a token without the scope the requirement names: 403 authz.scope with insufficient_scope', async () => {
    const noScope = `Bearer ${await s.sign('alice', { scope: 'profile' })}`;
    const res = await call('/orders', noScope);
    assert.equal(res.status, 403);
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope".*scope="orders:read"/,
    );
    assert.equal(await codeOf(res), 'authz.scope');
    const ok = await call('/orders', alice);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test('the API key alternative of the same operation needs no scope', async () => {
    const issued = await gw.services.auth!.keys!.create({ consumerId: 'svc' });
    const res = await fetch(`${gw.url}/orders`, { headers: { 'x-api-key': issued.key } });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  test('x-rampart.roles: a caller without one of the roles gets 403 authz.scope', async () => {
    const res = await call('/reports', alice);
    assert.equal(res.status, 403);
    assert.equal(await codeOf(res), 'authz.scope');
    const analyst = `Bearer ${await s.sign('ann', { roles: ['analyst'] })}`;
    const ok = await call('/reports', analyst);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test('BFLA: an admin-tagged operation refuses an ordinary user and admits an admin', async () => {
    const before = up.seen.length;
    const res = await call('/admin/users/7', alice, 'DELETE');
    assert.equal(res.status, 403);
    assert.equal(await codeOf(res), 'authz.function');
    assert.equal(up.seen.length, before);
    const ok = await call('/admin/users/7', admin, 'DELETE');
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test('BOLA by path parameter: another user id is refused; own id and the admin role pass', async () => {
    const other = await call('/users/bob', alice);
    assert.equal(other.status, 403);
    assert.equal(await codeOf(other), 'authz.bola');
    const encoded = await call('/users/b%6Fb', alice);
    assert.equal(encoded.status, 403);
    await encoded.body?.cancel();
    const own = await call('/users/alice', alice);
    assert.equal(own.status, 200);
    await own.body?.cancel();
    const byAdmin = await call('/users/bob', admin);
    assert.equal(byAdmin.status, 200);
    await byAdmin.body?.cancel();
  });

  test('BOLA by response field: another owner is refused before the body leaves', async () => {
    const mine = await call('/orders/1', alice);
    assert.equal(mine.status, 200);
    assert.equal(((await mine.json()) as { owner_id: string }).owner_id, 'alice');
    const theirs = await call('/orders/2', alice);
    assert.equal(theirs.status, 403);
    const text = await theirs.text();
    assert.match(text, /authz\.bola/);
    assert.ok(!text.includes('4111'));
    const byAdmin = await call('/orders/2', admin);
    assert.equal(byAdmin.status, 200);
    await byAdmin.body?.cancel();
  });

  test('BOLA by response field compares an owner id no double holds digit for digit', async () => {
    const owner = await call('/orders/4', `Bearer ${await s.sign('12345678901234567890')}`);
    assert.equal(owner.status, 200);
    assert.equal(await owner.text(), '{"id":4,"owner_id":12345678901234567890}');
    // the id JSON.parse alone would have read: another consumer, refused
    const rounded = await call('/orders/4', `Bearer ${await s.sign('12345678901234567000')}`);
    assert.equal(rounded.status, 403);
    assert.equal(await codeOf(rounded), 'authz.bola');
  });

  test('BOLA by response field fails closed on a body it cannot read', async () => {
    const res = await call('/orders/3', alice);
    assert.equal(res.status, 403);
    const text = await res.text();
    assert.match(text, /ownership could not be verified/);
    assert.ok(!text.includes('owner_id=bob'));
  });
});
