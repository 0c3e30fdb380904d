import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { withoutQueryParams } from '../../src/auth/query-strip.ts';
import { json, spawnCli } from '../helpers/cli.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type AuthGateway, startAuthGateway } from './auth-gateway.ts';

const PEPPER = 'pepper-for-tests-0123456789-abcdefghijkl';
const OPENAPI = `openapi: 3.1.0
info: { title: q, version: '1' }
security: [{ key: [] }]
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /keyed:
    get:
      operationId: keyed
      x-rampart: { apiKeyInQuery: true }
      responses: { '200': { description: ok } }
  /plain:
    get:
      operationId: plain
      responses: { '200': { description: ok } }
`;

const config = (upstream: string) => `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: false
upstreams:
  app: { url: ${upstream} }
apis:
  - { name: q, openapi: ./openapi.yaml, upstream: app }
auth:
  pepper: \${PEPPER}
  store: ./keys.db
  apiKeys:
    key: { header: x-api-key, queryParam: api_key }
`;

describe('API keys in the query string', () => {
  let up: TestUpstream;
  let gw: AuthGateway;
  let key: string;
  before(async () => {
    up = await startUpstream();
    gw = await startAuthGateway({
      files: { 'openapi.yaml': OPENAPI },
      env: { PEPPER },
      config: () => config(up.url),
    });
    key = (await gw.services.auth!.keys!.create({ consumerId: 'acme' })).key;
  });
  after(async () => {
    await gw?.close();
    await up?.close();
  });

  test('a route that allows it authenticates from the query and forwards the query without the key', async () => {
    for (const name of ['api_key', 'api%5Fkey']) {
      const res = await fetch(`${gw.url}/keyed?a=1&${name}=${key}&b=x%20y`);
      assert.equal(res.status, 200);
      await res.text();
      assert.equal(up.seen.at(-1)?.url, '/keyed?a=1&b=x%20y');
    }
    // a key in the header still works, and a stray query key is not forwarded either
    const res = await fetch(`${gw.url}/keyed?api_key=junk&c=3`, { headers: { 'x-api-key': key } });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(up.seen.at(-1)?.url, '/keyed?c=3');
    assert.ok(!up.seen.some((s) => s.url.includes(key)));
  });

  test('other routes ignore a key in the query (401) and forward their query unchanged', async () => {
    let res = await fetch(`${gw.url}/plain?api_key=${key}`);
    assert.equal(res.status, 401);
    await res.text();
    res = await fetch(`${gw.url}/plain?api_key=x&z=1`, { headers: { 'x-api-key': key } });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(up.seen.at(-1)?.url, '/plain?api_key=x&z=1');
  });

  test('the plan carries one warning naming the route', () => {
    const w = gw.gateway.state.plan.warnings.filter((x) => x.includes('apiKeyInQuery'));
    assert.equal(w.length, 1);
    assert.match(w[0]!, /GET \/keyed/);
    assert.doesNotMatch(w[0]!, /\/plain/);
  });

  test('rampart gateway logs the warning once at start-up', async () => {
    await writeFile(join(gw.dir, 'cli.yaml'), config(up.url));
    const p = spawnCli(['gateway', '--config', join(gw.dir, 'cli.yaml')], { PEPPER });
    try {
      await p.waitFor((l) => json(l)?.msg === 'gateway listening');
      const warnings = p.stdout.filter((l) => String(json(l)?.msg ?? '').includes('apiKeyInQuery'));
      assert.equal(warnings.length, 1);
      assert.equal(json(warnings[0]!)?.level, 40);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});

describe('withoutQueryParams', () => {
  test('removes every occurrence of the names, however encoded, and keeps the rest byte for byte', () => {
    const names = new Set(['api_key']);
    assert.equal(withoutQueryParams('api_key=1', names), '');
    assert.equal(withoutQueryParams('a=1&api_key=2&api_key=3&b', names), 'a=1&b');
    assert.equal(withoutQueryParams('api+key=1&api%5fkey=2', names), 'api+key=1');
    assert.equal(withoutQueryParams('a=%ZZ&b=1', names), 'a=%ZZ&b=1');
    const q = 'x=1';
    assert.equal(withoutQueryParams(q, names), q);
  });

  test('property: no decoded name left equals a removed one; other parts survive in order', () => {
    const part = fc.oneof(
      fc.constantFrom('api_key=s', 'api%5Fkey=s', 'api_key', 'a=1', 'b=%20', '', '=x', 'c=d=e'),
      fc.stringMatching(/^[a-z%0-9_+=]{0,8}$/),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 20 }), (parts) => {
        const q = parts.join('&');
        const out = withoutQueryParams(q, new Set(['api_key']));
        assert.ok(![...new URLSearchParams(out).keys()].includes('api_key'));
        const expected = q
          .split('&')
          .filter((p) => new URLSearchParams(`${p.split('=')[0]}=`).keys().next().value !== 'api_key');
        assert.equal(out, out === q ? q : expected.join('&'));
      }),
    );
  });
});
