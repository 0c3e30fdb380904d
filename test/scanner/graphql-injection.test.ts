import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSchema, parse, validate } from 'graphql';
import { GRAPHQL_SCHEMA_FILE, startGraphqlApi } from '../../examples/graphql-api/server.ts';
import { loadOpenApi, parseOpenApi } from '../../src/openapi/load.ts';
import { parseScanConfig, type ScanConfig, ScanConfigError } from '../../src/scanner/config.ts';
import { runScan } from '../../src/scanner/engine.ts';
import { graphqlArgs } from '../../src/scanner/graphql.ts';
import { SHOP_OPENAPI, SHOP_SDL, startGraphqlShop } from './fixtures/graphql-shop.ts';

const INJECTION = ['sqli', 'cmdi', 'path-traversal', 'nosqli'];
const ANON = 'identities:\n  - { name: anon, role: user, bearer: not-a-secret }\n';

function config(extra: string, file = 'gql-scan.yaml', checks = ['sqli']): ScanConfig {
  return { ...parseScanConfig(`${ANON}${extra}`, file), rate: 1000, delaySeconds: 1, only: new Set(checks) };
}

describe('GraphQL injection points derived from a schema', () => {
  const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8'));

  it('one operation per String/ID argument of the root query fields; mutations only when allowed', () => {
    const reads = graphqlArgs(schema, { mutations: false, max: 40 });
    assert.deepEqual(
      reads.map((a) => `${a.root} ${a.field}.${a.arg}: ${a.type}`),
      ['query user.id: ID!', 'query posts.search: String'],
    );
    const all = graphqlArgs(schema, { mutations: true, max: 40 });
    assert.deepEqual(
      all.slice(2).map((a) => `${a.root} ${a.field}.${a.arg}`),
      ['mutation createPost.title', 'mutation createPost.body'],
    );
    assert.equal(graphqlArgs(schema, { mutations: true, max: 3 }).length, 3);
  });

  it('every derived operation is valid against the schema (required siblings filled, leaves selected)', () => {
    for (const a of graphqlArgs(schema, { mutations: true, max: 40 })) {
      assert.deepEqual(validate(schema, parse(a.query)), [], a.query);
    }
    const shop = buildSchema(SHOP_SDL);
    const ops = graphqlArgs(shop, { mutations: true, max: 40 });
    for (const a of ops) assert.deepEqual(validate(shop, parse(a.query)), [], a.query);
    assert.match(ops.find((a) => a.arg === 'text')?.query ?? '', /addReview\(text: \$v, productId: "1"\)/);
  });
});

describe('scan config: graphql and its schema file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-gql-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the SDL relative to the config and keeps defaults', () => {
    writeFileSync(join(dir, 'shop.graphql'), SHOP_SDL);
    const c = parseScanConfig(
      `${ANON}graphql: { schema: shop.graphql, endpoints: [/gql] }\n`,
      join(dir, 's.yaml'),
    );
    assert.equal(c.graphql.sdl, SHOP_SDL);
    assert.deepEqual(c.graphql.endpoints, ['/gql']);
    assert.equal(c.graphql.introspection, true);
    assert.equal(c.graphql.maxOperations, 40);
  });

  it('refuses a missing file and an invalid SDL with file:line', () => {
    writeFileSync(join(dir, 'bad.graphql'), 'type Query { oops(: String }');
    assert.throws(
      () => parseScanConfig(`${ANON}graphql:\n  schema: none.graphql\n`, join(dir, 's.yaml')),
      (e: unknown) =>
        e instanceof ScanConfigError &&
        /s\.yaml:4:\d+: graphql\.schema: cannot read .*none\.graphql: ENOENT/.test(e.message),
    );
    assert.throws(
      () => parseScanConfig(`${ANON}graphql:\n  schema: bad.graphql\n`, join(dir, 's.yaml')),
      (e: unknown) =>
        e instanceof ScanConfigError && /graphql\.schema: not a GraphQL schema: Syntax Error/.test(e.message),
    );
    assert.throws(
      () => parseScanConfig(`${ANON}graphql: { endpoints: ['graphql'] }\n`, join(dir, 's.yaml')),
      ScanConfigError,
    );
  });
});

describe('injection checks on GraphQL arguments (a shop with SQL injection in products(search:))', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-gql-'));
    writeFileSync(join(dir, 'shop.graphql'), SHOP_SDL);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function scanShop(
    options: { vulnerable: boolean; introspection: boolean },
    cfg: ScanConfig,
    spec = SHOP_OPENAPI,
  ) {
    const shop = await startGraphqlShop(options);
    try {
      const document = await parseOpenApi(spec, 'shop.yaml');
      const result = await runScan({ document, target: shop.url, config: cfg });
      return { result, received: [...shop.received] };
    } finally {
      await shop.close();
    }
  }

  it('finds it, schema by introspection', async () => {
    const { result, received } = await scanShop({ vulnerable: true, introspection: true }, config(''));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.findings.map((f) => f.id),
      ['sqli:graphql:products.search'],
    );
    const f = result.findings[0];
    assert.match(f?.evidence[0]?.request.body ?? '', /products\(search: \$v\)/);
    assert.ok(
      received.some((q) => q.includes('__schema')),
      'introspection asked',
    );
    // No mutation without --allow-destructive.
    assert.ok(!received.some((q) => q.includes('addReview')));
  });

  it('stays silent on the fixed twin, having sent the derived operations', async () => {
    const { result, received } = await scanShop({ vulnerable: false, introspection: true }, config(''));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings, []);
    assert.ok(received.some((q) => q.includes('products(search: $v)')));
    assert.ok(received.some((q) => q.includes('product(id: $v)')));
  });

  it('introspection refused: uses the SDL file of the scan config', async () => {
    const cfg = config('graphql: { schema: shop.graphql }\n', join(dir, 'scan.yaml'));
    const { result, received } = await scanShop({ vulnerable: true, introspection: false }, cfg);
    assert.deepEqual(
      result.findings.map((f) => f.id),
      ['sqli:graphql:products.search'],
    );
    assert.ok(!received.some((q) => q.includes('__schema')), 'no introspection when the SDL is given');
  });

  it('introspection refused and no SDL: no operations derived (nothing to inject into)', async () => {
    const { result, received } = await scanShop({ vulnerable: true, introspection: false }, config(''));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.errors, []);
    assert.ok(!received.some((q) => q.includes('$v')));
  });

  it('an endpoint only the scan config names (not in the document) is scanned too; mutations with allowDestructive', async () => {
    const spec = `openapi: 3.0.3\ninfo: { title: x, version: '1' }\npaths:\n  /health:\n    get:\n      responses: { '200': { description: ok } }\n`;
    const cfg = { ...config('graphql: { endpoints: [/graphql] }\n'), allowDestructive: true };
    const { result, received } = await scanShop({ vulnerable: true, introspection: true }, cfg, spec);
    assert.deepEqual(
      result.findings.map((f) => f.id),
      ['sqli:POST /graphql:products.search'],
    );
    assert.ok(received.some((q) => q.includes('addReview(productId: $v')));
  });
});

describe('injection checks against examples/graphql-api (not injectable)', () => {
  it('derive its operations by introspection, send them, and find nothing', async () => {
    const api = await startGraphqlApi();
    // A recording proxy in front: the example keeps no log of what it was asked.
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push(body.toString('utf8'));
        void fetch(`${api.url}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(body.length > 0 ? { body } : {}),
        }).then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const document = await loadOpenApi(
        new URL('../../examples/graphql-api/openapi.yaml', import.meta.url).pathname,
      );
      const result = await runScan({
        document,
        target: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        config: config('', 'gql-scan.yaml', INJECTION),
      });
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.findings, []);
      const ops = seen.map((b) => (JSON.parse(b || '{}') as { query?: string }).query ?? '');
      assert.ok(ops.some((q) => q.includes('__schema')));
      assert.ok(
        ops.some((q) => q.includes('posts(search: $v)')),
        'posts(search:) injected',
      );
      assert.ok(
        ops.some((q) => q.includes('user(id: $v)')),
        'user(id:) injected',
      );
      assert.ok(!ops.some((q) => q.includes('createPost')), 'no mutation without allowDestructive');
      // The payloads travel as variables.
      assert.ok(seen.some((b) => b.includes('pg_sleep')));
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await api.close();
    }
  });
});
