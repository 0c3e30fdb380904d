/**
 * `graphql.schema: introspect`: the schema comes from one introspection of the upstream
 * (examples/graphql-api over a real socket) when the services are created; failures are start-up
 * errors naming the upstream, and a recompile (reload) keeps the schema fetched at start.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type GraphqlApi, startGraphqlApi } from '../../examples/graphql-api/server.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { introspectionKey, introspectSchema } from '../../src/graphql/introspect.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices, type PolicyServices } from '../../src/policies/services.ts';

const OPENAPI = `openapi: 3.1.0
info: { title: introspected, version: "1" }
security: []
paths:
  /graphql:
    x-rampart:
      graphql:
        schema: introspect
        maxDepth: 4
        fieldAuth:
          User.email: { roles: [admin] }
    post:
      operationId: graphqlPost
      requestBody:
        content: { application/json: { schema: {} } }
      responses: { "200": { description: GraphQL result } }
`;

async function writeConfig(dir: string, upstreamUrl: string) {
  await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
  const text = `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: false
upstreams:
  app: { url: "${upstreamUrl}" }
apis:
  - name: gql
    openapi: ./openapi.yaml
    upstream: app
log: { level: warn, access: false }
`;
  const file = join(dir, 'rampart.yaml');
  await writeFile(file, text);
  return parseConfig(text, file, {});
}

async function post(base: string, query: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, text: await res.text() };
}

const quietLogger = () =>
  createLogger(
    { level: 'warn' },
    new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  );

describe('GraphQL schema by introspection', () => {
  let api: GraphqlApi;
  let dir: string;
  before(async () => {
    api = await startGraphqlApi();
    dir = await mkdtemp(join(tmpdir(), 'rampart-gql-introspect-'));
  });
  after(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('introspectSchema builds the upstream schema (the cyclic User/Post types)', async () => {
    const schema = await introspectSchema(`${api.url}/graphql`);
    const user = schema.getType('User');
    assert.ok(user !== undefined && 'getFields' in user);
    assert.ok('email' in user.getFields());
    assert.ok('posts' in user.getFields());
  });

  test('the gateway enforces the introspected schema; a recompile keeps it after the upstream is gone', async () => {
    const own = await startGraphqlApi();
    const sub = await mkdtemp(join(dir, 'reload-'));
    const loaded = await writeConfig(sub, own.url);
    const services: PolicyServices = await createServices(loaded.config, loaded.dir);
    try {
      assert.ok(services.graphqlSchemas?.has(introspectionKey('gql', '/graphql')));
      const plan = await compilePlan(loaded, { services });
      const gateway = await startGateway(plan, { logger: quietLogger(), metrics: createMetrics() });
      const base = gateway.listeners[0]!.url;
      try {
        const ok = await post(base, '{ user(id: 1) { name posts { title } } }');
        assert.equal(ok.status, 200, ok.text);
        assert.match(ok.text, /"data"/);
        const deep = await post(base, '{ user(id: 1) { posts { author { posts { author { name } } } } } }');
        assert.equal(deep.status, 400, deep.text);
        assert.match(deep.text, /graphql\.depth/);
        const unknown = await post(base, '{ user(id: 1) { nosuchfield } }');
        assert.equal(unknown.status, 400, unknown.text);
        const email = await post(base, '{ user(id: 1) { email } }');
        assert.equal(email.status, 403, email.text);
        // a reload recompiles against the same services: the schema fetched at start still applies,
        // with the upstream gone (no second introspection)
        await own.close();
        const again = await compilePlan(loaded, { services });
        await gateway.reload(again);
        const still = await post(base, '{ user(id: 1) { nosuchfield } }');
        assert.equal(still.status, 400, still.text);
      } finally {
        await gateway.close(1000);
      }
    } finally {
      await closeServices(services);
      await own.close().catch(() => {});
    }
  });

  test('an upstream that refuses connections is a start-up error naming it', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const sub = await mkdtemp(join(dir, 'closed-'));
    const loaded = await writeConfig(sub, `http://127.0.0.1:${port}`);
    await assert.rejects(createServices(loaded.config, loaded.dir), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, new RegExp(`introspection of http://127\\.0\\.0\\.1:${port}/graphql failed`));
      assert.match(e.message, /upstream "app" of API "gql"/);
      return true;
    });
  });

  test('an upstream that never answers fails at the timeout, not a hang', async () => {
    const silent: Server = createServer(() => {
      // accepts the request and never answers
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`;
    try {
      await assert.rejects(
        introspectSchema(url, { timeoutMs: 300, maxBytes: 1024 }),
        /no answer within 300 ms/,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('an answer over the size cap is refused', async () => {
    await assert.rejects(
      introspectSchema(`${api.url}/graphql`, { timeoutMs: 5000, maxBytes: 100 }),
      /larger than 100 bytes/,
    );
  });
});
