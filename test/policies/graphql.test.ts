/**
 * The GraphQL policy through the gateway over real sockets, in front of examples/graphql-api: each
 * attack of issue 6 is refused through the gateway and works (or costs the upstream) directly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type GraphqlApi, startGraphqlApi } from '../../examples/graphql-api/server.ts';
import { documentHash } from '../../src/graphql/persisted.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const OPENAPI = readFileSync(new URL('../../examples/graphql-api/openapi.yaml', import.meta.url), 'utf8');
const SDL = readFileSync(new URL('../../examples/graphql-api/schema.graphql', import.meta.url), 'utf8');

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | unknown[];
  readonly text: string;
}

async function post(base: string, payload: unknown): Promise<Answer> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

async function get(base: string, query: string): Promise<Answer> {
  const res = await fetch(`${base}/graphql?query=${encodeURIComponent(query)}`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

function code(a: Answer): unknown {
  return (a.body as { code?: unknown }).code;
}

function assertData(a: Answer): void {
  assert.equal(a.status, 200, a.text);
  const body = a.body as { data?: unknown; errors?: unknown };
  assert.ok(body.data !== undefined && body.data !== null, a.text);
  assert.equal(body.errors, undefined, a.text);
}

const DEEP = '{ user(id: 1) { posts { author { posts { author { posts { author { name } } } } } } } }';
const ALIASES = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const CYCLE =
  '{ user(id: 1) { ...A } } fragment A on User { posts { author { ...B } } } fragment B on User { ...A }';
const INTROSPECTION = '{ __schema { types { name } } }';
const TYPO = '{ user(id: 1) { nam } }';
const EMAIL = '{ user(id: 1) { name email } }';
const COSTLY = '{ users(first: 100) { posts(first: 100) { author { name } } } }';
const TYPICAL = '{ user(id: 1) { name posts { title author { name } } } }';

describe('GraphQL through the gateway', () => {
  let api: GraphqlApi;
  let gw: TestGateway;

  before(async () => {
    api = await startGraphqlApi();
    gw = await startTestGateway({
      upstreamUrl: api.url,
      openapi: OPENAPI,
      files: { 'schema.graphql': SDL },
    });
  });
  after(async () => {
    await gw.close();
    await api.close();
  });

  test('a typical query works directly and through the gateway, POST and GET', async () => {
    assertData(await post(api.url, { query: TYPICAL }));
    const through = await post(gw.url, { query: TYPICAL });
    assertData(through);
    assert.deepEqual(through.body, (await post(api.url, { query: TYPICAL })).body);
    assertData(await get(gw.url, TYPICAL));
  });

  test('deep query: answered directly, refused graphql.depth', async () => {
    assertData(await post(api.url, { query: DEEP }));
    const r = await post(gw.url, { query: DEEP });
    assert.equal(r.status, 400);
    assert.equal(code(r), 'graphql.depth');
    assert.equal(code(await get(gw.url, DEEP)), 'graphql.depth');
  });

  test('alias bomb of 1,000 aliases: answered directly, refused graphql.aliases', async () => {
    const direct = await post(api.url, { query: ALIASES });
    assertData(direct);
    assert.equal(Object.keys((direct.body as { data: object }).data).length, 1000);
    const r = await post(gw.url, { query: ALIASES });
    assert.equal(r.status, 400);
    assert.equal(code(r), 'graphql.aliases');
  });

  test('batch of 100 operations: answered directly, refused graphql.batch', async () => {
    const batch = Array.from({ length: 100 }, () => ({ query: '{ users { name } }' }));
    const direct = await post(api.url, batch);
    assert.equal(direct.status, 200);
    assert.equal((direct.body as unknown[]).length, 100);
    const r = await post(gw.url, batch);
    assert.equal(r.status, 400);
    assert.equal(code(r), 'graphql.batch');
    const small = await post(gw.url, batch.slice(0, 3));
    assert.equal(small.status, 200);
    assert.equal((small.body as unknown[]).length, 3);
  });

  test('fragment cycle: the upstream has to parse and validate it, the gateway refuses graphql.depth', async () => {
    const direct = await post(api.url, { query: CYCLE });
    assert.equal(direct.status, 200);
    assert.match(direct.text, /Cannot spread fragment/);
    const r = await post(gw.url, { query: CYCLE });
    assert.equal(code(r), 'graphql.depth');
  });

  test('introspection: answered directly, refused graphql.introspection (403)', async () => {
    assertData(await post(api.url, { query: INTROSPECTION }));
    // twice: the second time the document and its analysis come from the cache
    for (let i = 0; i < 2; i++) {
      const r = await post(gw.url, { query: INTROSPECTION });
      assert.equal(r.status, 403);
      assert.equal(code(r), 'graphql.introspection');
    }
    assert.equal(
      code(await get(gw.url, '{ __type(name: "User") { fields { name } } }')),
      'graphql.introspection',
    );
  });

  test('field suggestion leak: the upstream says "Did you mean", the gateway refuses without it', async () => {
    const direct = await post(api.url, { query: TYPO });
    assert.match(direct.text, /Did you mean/);
    const r = await post(gw.url, { query: TYPO });
    assert.equal(r.status, 400);
    assert.equal(code(r), 'graphql.invalid');
    assert.doesNotMatch(r.text, /Did you mean/);
    assert.doesNotMatch(r.text, /"name"/);
  });

  test('unauthorized field: answered directly, refused graphql.field_auth for an anonymous caller', async () => {
    const direct = await post(api.url, { query: EMAIL });
    assertData(direct);
    assert.match(direct.text, /ada@example\.test/);
    const r = await post(gw.url, { query: EMAIL });
    assert.equal(r.status, 403);
    assert.equal(code(r), 'graphql.field_auth');
    assert.doesNotMatch(r.text, /example\.test/);
  });

  test('cost over budget: answered directly, refused graphql.cost', async () => {
    assertData(await post(api.url, { query: COSTLY }));
    const r = await post(gw.url, { query: COSTLY });
    assert.equal(code(r), 'graphql.cost');
    // a batch is one budget: five operations each under it can be over it together
    const q = '{ users(first: 10) { posts(first: 10) { author { name } } } }';
    const batch = await post(
      gw.url,
      Array.from({ length: 5 }, () => ({ query: q })),
    );
    assert.equal(code(batch), 'graphql.cost');
  });

  test('tokens, parse errors, malformed requests', async () => {
    const many = `{ ${'a '.repeat(6000)}}`;
    assert.equal(code(await post(gw.url, { query: many })), 'graphql.tokens');
    assert.equal(code(await post(gw.url, { query: '{ user(id: 1) { name ' })), 'graphql.parse');
    assert.equal(code(await post(gw.url, { query: 42 })), 'graphql.parse');
    assert.equal(code(await post(gw.url, [])), 'graphql.parse');
    assert.equal(code(await post(gw.url, 'query')), 'graphql.parse');
    assert.equal(
      code(await post(gw.url, { query: 'query A { users { id } } query B { posts { id } }' })),
      'graphql.invalid',
    );
  });

  test('cross-site shapes: a mutation by GET and a non-JSON POST are refused', async () => {
    const m = 'mutation { createPost(title: "t", body: "b") { id } }';
    const r = await get(gw.url, m);
    assert.equal(code(r), 'graphql.invalid');
    const plain = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: TYPICAL }),
    });
    assert.equal(plain.status, 415);
    assert.equal(((await plain.json()) as { code: string }).code, 'input.content_type');
  });

  test('variables are coerced to their types and string variables inspected for injections', async () => {
    const q = 'query S($s: String, $n: Int) { posts(search: $s, first: $n) { title } }';
    assertData(await post(gw.url, { query: q, variables: { s: 'Eng', n: 1 } }));
    assert.equal(code(await post(gw.url, { query: q, variables: { n: 'many' } })), 'graphql.variables');
    const sqli = await post(gw.url, { query: q, variables: { s: "x' UNION SELECT password FROM users --" } });
    assert.equal(sqli.status, 403);
    assert.match(String(code(sqli)), /^inject\./);
  });
});

test('a costs or fieldAuth key naming no type or field of the schema fails the load', async () => {
  for (const bad of ['User.emial', 'Usr', 'User.email.x']) {
    await assert.rejects(
      startTestGateway({
        upstreamUrl: 'http://127.0.0.1:9',
        openapi: OPENAPI,
        files: { 'schema.graphql': SDL },
        apiExtra: `    routes:
      graphqlPost:
        graphql: { schema: ./schema.graphql, fieldAuth: { ${bad}: { roles: [admin] } } }
`,
      }),
      /is not a type or Type\.field of the schema/,
    );
  }
});

describe('GraphQL trusted documents through the gateway', () => {
  let api: GraphqlApi;
  let gw: TestGateway;
  const DOC = 'query Names { users { name } }';
  const HASH = documentHash(DOC);

  before(async () => {
    api = await startGraphqlApi();
    gw = await startTestGateway({
      upstreamUrl: api.url,
      openapi: OPENAPI,
      files: { 'schema.graphql': SDL, 'persisted.json': JSON.stringify({ [HASH]: DOC }) },
      apiExtra: `    routes:
      graphqlPost:
        graphql: { schema: ./schema.graphql, persisted: { file: ./persisted.json, required: true } }
      graphqlGet:
        graphql: { schema: ./schema.graphql, persisted: { file: ./persisted.json, required: true } }
`,
    });
  });
  after(async () => {
    await gw.close();
    await api.close();
  });

  test('an allowlisted document runs by hash alone (the gateway sends its text) or by its text', async () => {
    const byHash = await post(gw.url, { documentId: `sha256:${HASH}` });
    assertData(byHash);
    assert.deepEqual(byHash.body, (await post(api.url, { query: DOC })).body);
    assertData(await post(gw.url, { extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } }));
    assertData(await post(gw.url, { query: DOC }));
  });

  test('any other document is refused graphql.persisted', async () => {
    const r = await post(gw.url, { query: TYPICAL });
    assert.equal(r.status, 403);
    assert.equal(code(r), 'graphql.persisted');
    assert.equal(code(await post(gw.url, { documentId: `sha256:${'0'.repeat(64)}` })), 'graphql.persisted');
    assert.equal(
      code(await post(gw.url, { query: TYPICAL, documentId: `sha256:${HASH}` })),
      'graphql.persisted',
    );
    assert.equal(code(await get(gw.url, TYPICAL)), 'graphql.persisted');
    // by GET the upstream reads the query string itself: a hash alone cannot be expanded there
    const byGet = await fetch(`${gw.url}/graphql?documentId=sha256:${HASH}`);
    assert.equal(((await byGet.json()) as { code: string }).code, 'graphql.persisted');
    assertData(await get(gw.url, DOC));
  });
});

describe('GraphQL suggestions removed from upstream errors', () => {
  let api: GraphqlApi;
  let gw: TestGateway;
  // the gateway's SDL declares a field the upstream lacks: its validation passes, the upstream's fails
  const DRIFTED = SDL.replace('  email: String!\n', '  email: String!\n  nickname: String\n');
  const Q = '{ user(id: 1) { nickname } }';

  before(async () => {
    api = await startGraphqlApi();
    gw = await startTestGateway({
      upstreamUrl: api.url,
      openapi: OPENAPI,
      files: { 'schema.graphql': DRIFTED },
    });
  });
  after(async () => {
    await gw.close();
    await api.close();
  });

  test('the upstream error reaches the client without its "Did you mean"', async () => {
    const direct = await post(api.url, { query: Q });
    const leaked = (direct.body as { errors: { message: string }[] }).errors[0]!.message;
    assert.equal(leaked, 'Cannot query field "nickname" on type "User". Did you mean "name"?');
    const r = await post(gw.url, { query: Q });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.text, /Did you mean/);
    const errors = (r.body as { errors: { message: string }[] }).errors;
    assert.equal(errors[0]!.message, 'Cannot query field "nickname" on type "User".');
  });

  test('answers without suggestions pass through unchanged', async () => {
    const r = await post(gw.url, { query: TYPICAL });
    assert.deepEqual(r.body, (await post(api.url, { query: TYPICAL })).body);
  });
});

describe('GraphQL policy in monitor mode', () => {
  let api: GraphqlApi;
  let gw: TestGateway;

  before(async () => {
    api = await startGraphqlApi();
    gw = await startTestGateway({
      upstreamUrl: api.url,
      openapi: OPENAPI,
      files: { 'schema.graphql': SDL },
      apiExtra: `    routes:
      graphqlPost:
        graphql: { schema: ./schema.graphql, mode: monitor, maxDepth: 3 }
`,
    });
  });
  after(async () => {
    await gw.close();
    await api.close();
  });

  test('a refusal is recorded, not enforced: the deep query is answered and logged as graphql.depth', async () => {
    assertData(await post(gw.url, { query: DEEP }));
    // the access record is written when the response finishes, which may be just after the client read it
    let record = gw.logs.find((l) => l.msg === 'request' && l.decision === 'monitor');
    for (let i = 0; i < 100 && record === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      record = gw.logs.find((l) => l.msg === 'request' && l.decision === 'monitor');
    }
    assert.ok(record !== undefined, JSON.stringify(gw.logs));
    assert.equal(record.code, 'graphql.depth');
    assert.equal(record.policy, 'graphql');
  });
});

describe('GraphQL rate limit by query cost', () => {
  let api: GraphqlApi;
  let gw: TestGateway;

  before(async () => {
    api = await startGraphqlApi();
    gw = await startTestGateway({
      upstreamUrl: api.url,
      openapi: OPENAPI,
      files: { 'schema.graphql': SDL },
      apiExtra: `    routes:
      graphqlPost:
        graphql: { schema: ./schema.graphql, costLimit: { limit: 100, windowSeconds: 3600 } }
`,
    });
  });
  after(async () => {
    await gw.close();
    await api.close();
  });

  test('a query of cost 45 uses 45 units: two pass, the third is over the budget', async () => {
    const q = '{ users(first: 4) { posts(first: 10) { author { name } } } }'; // 1 + 4 × (1 + 10 × 1) = 45
    assertData(await post(gw.url, { query: q }));
    assertData(await post(gw.url, { query: q }));
    const r = await post(gw.url, { query: q });
    assert.equal(r.status, 429);
    assert.equal(code(r), 'ratelimit.exceeded');
    // a cheap query still fits in what is left (100 − 90 = 10)
    assertData(await post(gw.url, { query: '{ user(id: 1) { name } }' }));
  });
});
