// The example OpenAPI documents: well formed, true to the servers' routes, and weak or strong where intended.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { call, tempDb } from './helpers.ts';

type Node = Record<string, unknown>;

const OPERATIONS = [
  ['post', '/api/v1/auth/login', 'login'],
  ['get', '/api/v1/users/{id}', 'getUser'],
  ['patch', '/api/v1/users/{id}', 'updateUser'],
  ['get', '/api/v1/orders', 'listOrders'],
  ['get', '/api/v1/orders/{id}', 'getOrder'],
  ['get', '/api/v1/products/search', 'searchProducts'],
  ['post', '/api/v1/fetch-preview', 'fetchPreview'],
  ['delete', '/api/v1/admin/users/{id}', 'deleteUser'],
  ['get', '/api/v1/health', 'health'],
] as const;

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

async function load(name: string): Promise<Node> {
  return parse(
    await readFile(new URL(`../../examples/${name}/openapi.yaml`, import.meta.url), 'utf8'),
  ) as Node;
}

function resolve(doc: Node, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local refs: ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    assert.ok(typeof node === 'object' && node !== null && part in node, `unresolved $ref ${ref}`);
    node = (node as Node)[part];
  }
  return node;
}

/** Visit every object in the document with its JSON pointer. */
function walk(node: unknown, pointer: string, visit: (n: Node, pointer: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      walk(item, `${pointer}/${i}`, visit);
    });
  } else if (typeof node === 'object' && node !== null) {
    visit(node as Node, pointer);
    for (const [key, value] of Object.entries(node)) walk(value, `${pointer}/${key}`, visit);
  }
}

function deref(doc: Node, node: unknown): Node {
  let n = node as Node;
  while (typeof n.$ref === 'string') n = resolve(doc, n.$ref) as Node;
  return n;
}

function operations(doc: Node): { method: string; path: string; op: Node }[] {
  const out: { method: string; path: string; op: Node }[] = [];
  for (const [path, item] of Object.entries(doc.paths as Node)) {
    for (const [method, op] of Object.entries(item as Node)) {
      if (METHODS.has(method)) out.push({ method, path, op: op as Node });
    }
  }
  return out;
}

for (const name of ['demo-api', 'control-api']) {
  describe(`${name}/openapi.yaml`, () => {
    test('is OpenAPI 3.1 with every $ref resolving and exactly the served operations', async () => {
      const doc = await load(name);
      assert.equal(doc.openapi, '3.1.0');
      walk(doc, '', (n) => {
        if (typeof n.$ref === 'string') resolve(doc, n.$ref);
      });
      const found = operations(doc).map(({ method, path, op }) => [method, path, op.operationId]);
      assert.deepEqual(found, OPERATIONS);
      const scheme = (doc.components as { securitySchemes: Node }).securitySchemes.bearerAuth;
      assert.deepEqual(scheme, {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        ...(name === 'control-api' ? { description: (scheme as Node).description } : {}),
      });
      for (const { op } of operations(doc)) {
        const isPublic = op.operationId === 'login' || op.operationId === 'health';
        assert.equal(
          Array.isArray(op.security) && op.security.length === 0,
          isPublic,
          String(op.operationId),
        );
      }
      const login = operations(doc).find((o) => o.op.operationId === 'login')?.op;
      assert.deepEqual(login?.['x-rampart'], { login: { usernameField: 'username' } });
    });

    test('every documented operation is routed by the server', async () => {
      const db = await tempDb();
      const api =
        name === 'demo-api'
          ? await startDemoApi({ dbFile: db.file, quiet: true })
          : await startControlApi({ dbFile: db.file, quiet: true });
      try {
        for (const [method, path] of OPERATIONS) {
          const url = `${api.url}${path.replace('{id}', name === 'demo-api' ? '1' : crypto.randomUUID())}`;
          const res = await call(url, { method: method.toUpperCase() });
          // Unauthenticated calls get 401 (or 400/415 for the public POSTs without a body), never a 404 route miss.
          assert.ok([200, 400, 401, 415].includes(res.status), `${method} ${path}: ${res.status}`);
        }
      } finally {
        await api.close();
        await db.cleanup();
      }
    });
  });
}

describe('demo-api/openapi.yaml declares only the safe properties and is left weak on purpose', () => {
  test('schemas omit the leaked and mass-assignable properties', async () => {
    const doc = await load('demo-api');
    const schemas = (doc.components as { schemas: Record<string, { properties: Node }> }).schemas;
    assert.deepEqual(Object.keys(schemas.User?.properties ?? {}), ['id', 'username', 'display_name']);
    assert.deepEqual(Object.keys(schemas.UserUpdate?.properties ?? {}), ['display_name']);
    assert.equal('card_number' in (schemas.Order?.properties ?? {}), false);
    const id = (doc.components as { parameters: { Id: { schema: Node } } }).parameters.Id.schema;
    assert.equal(id.format, 'int64');
  });

  test('q has no maxLength, limit documents maximum 100, the server is plain http', async () => {
    const doc = await load('demo-api');
    const paths = doc.paths as Record<string, { get: { parameters: { name: string; schema: Node }[] } }>;
    const q = paths['/api/v1/products/search']?.get.parameters.find((p) => p.name === 'q');
    assert.equal(q?.schema.maxLength, undefined);
    const limit = paths['/api/v1/orders']?.get.parameters.find((p) => p.name === 'limit');
    assert.equal(limit?.schema.maximum, 100);
    assert.match((doc.servers as { url: string }[])[0]?.url ?? '', /^http:\/\//);
  });
});

describe('control-api/openapi.yaml is written to audit well', () => {
  test('every string, integer and array is bounded', async () => {
    const doc = await load('control-api');
    const problems: string[] = [];
    walk(doc, '', (n, pointer) => {
      if (n.type === 'string' && n.maxLength === undefined && n.enum === undefined) problems.push(pointer);
      if (n.type === 'integer' && n.maximum === undefined) problems.push(pointer);
      if (n.type === 'array' && n.maxItems === undefined) problems.push(pointer);
    });
    assert.deepEqual(problems, []);
  });

  test('request bodies are closed objects; operations document 401/403/429 and rate-limit headers', async () => {
    const doc = await load('control-api');
    assert.ok((doc.servers as { url: string }[]).every((s) => s.url.startsWith('https://')));
    for (const { op } of operations(doc)) {
      const id = String(op.operationId);
      const responses = op.responses as Node;
      assert.ok('429' in responses, `${id}: 429`);
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (!isPublic) {
        assert.ok('401' in responses && '403' in responses, `${id}: 401/403`);
      }
      const success = deref(doc, responses['200'] ?? responses['204']);
      assert.ok(
        'RateLimit-Remaining' in ((success.headers as Node | undefined) ?? {}),
        `${id}: rate-limit headers`,
      );
      const body = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
      if (body !== undefined) {
        const schema = deref(doc, body.content['application/json']?.schema);
        assert.equal(schema.additionalProperties, false, `${id}: closed request body`);
      }
    }
  });
});
