/**
 * GraphQL field authorization and introspection per role, through the gateway with JWT
 * authentication in front of examples/graphql-api: the identity the authenticate phase sets decides.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type GraphqlApi, startGraphqlApi } from '../../examples/graphql-api/server.ts';
import { type JwksServer, startJwksServer } from '../auth/jwks-server.ts';
import { authConfig, PEPPER, signer } from './auth-fixture.ts';
import { type AuthGateway, startAuthGateway } from './auth-gateway.ts';

const SDL = readFileSync(new URL('../../examples/graphql-api/schema.graphql', import.meta.url), 'utf8');

const OPENAPI = `openapi: 3.1.0
info: { title: GraphQL behind JWT, version: '1' }
security:
  - bearer: []
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
paths:
  /graphql:
    x-rampart:
      graphql:
        schema: ./schema.graphql
        introspectionRoles: [admin]
        fieldAuth:
          User.email: { roles: [admin, support] }
          Mutation: { scopes: [posts:write] }
    post:
      operationId: graphqlPost
      requestBody:
        content: { application/json: { schema: {} } }
      responses: { '200': { description: GraphQL result } }
`;

describe('GraphQL field authorization through the gateway (JWT identities)', () => {
  let api: GraphqlApi;
  let jwks: JwksServer;
  let gw: AuthGateway;
  let s: Awaited<ReturnType<typeof signer>>;

  before(async () => {
    s = await signer();
    api = await startGraphqlApi();
    jwks = await startJwksServer([s.key.jwk]);
    gw = await startAuthGateway({
      config: () => authConfig(api.url, jwks.url),
      files: { 'openapi.yaml': OPENAPI, 'schema.graphql': SDL },
      env: { PEPPER },
    });
  });
  after(async () => {
    await gw.close();
    await jwks.close();
    await api.close();
  });

  async function ask(token: string | undefined, query: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query }),
    });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as { code?: string; data?: unknown } };
  }

  test('no token: the authenticate phase refuses before any GraphQL work', async () => {
    const r = await ask(undefined, '{ user(id: 1) { name } }');
    assert.equal(r.status, 401);
  });

  test('a restricted field: refused for role user, answered for admin and support', async () => {
    const user = await ask(await s.sign('alice'), '{ user(id: 1) { name email } }');
    assert.equal(user.status, 403);
    assert.equal(user.body.code, 'graphql.field_auth');
    assert.equal((await ask(await s.sign('alice'), '{ user(id: 1) { name } }')).status, 200);
    for (const role of ['admin', 'support']) {
      const ok = await ask(await s.sign('root', { roles: [role] }), '{ user(id: 1) { name email } }');
      assert.equal(ok.status, 200, ok.text);
      assert.match(ok.text, /ada@example\.test/);
    }
    // the document and its analyses are cached now: each caller is still judged by its own roles
    assert.equal((await ask(await s.sign('alice'), '{ user(id: 1) { name email } }')).status, 403);
  });

  test('a type rule: every mutation needs the posts:write scope', async () => {
    const m = 'mutation { createPost(title: "t", body: "b") { id } }';
    const denied = await ask(await s.sign('alice'), m);
    assert.equal(denied.body.code, 'graphql.field_auth');
    const ok = await ask(await s.sign('alice', { scope: 'orders:read posts:write' }), m);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(
      (await ask(await s.sign('alice', { scope: 'orders:read' }), m)).body.code,
      'graphql.field_auth',
    );
  });

  test('introspection: refused for role user, allowed for admin', async () => {
    const q = '{ __schema { queryType { name } } }';
    const user = await ask(await s.sign('alice'), q);
    assert.equal(user.status, 403);
    assert.equal(user.body.code, 'graphql.introspection');
    const admin = await ask(await s.sign('root', { roles: ['admin'] }), q);
    assert.equal(admin.status, 200, admin.text);
    assert.deepEqual(admin.body.data, { __schema: { queryType: { name: 'Query' } } });
    // the document is cached now: each caller is still judged by its own role
    assert.equal((await ask(await s.sign('alice'), q)).status, 403);
    assert.equal((await ask(await s.sign('root', { roles: ['admin'] }), q)).status, 200);
  });
});
