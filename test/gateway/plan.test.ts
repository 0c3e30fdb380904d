import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { OpenApiError } from '../../src/openapi/load.ts';
import { TEST_OPENAPI } from '../helpers/gateway.ts';

describe('compilePlan', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-plan-'));
    await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const config = (api = '', top = '') => `listeners: [{ port: 0 }]
upstreams:
  app:
    url: http://127.0.0.1:1
apis:
  - name: t
    openapi: ./openapi.yaml
    upstream: app
${api}
${top}`;

  async function plan(api = '', top = '', doc?: string) {
    if (doc !== undefined) await writeFile(join(dir, 'openapi.yaml'), doc);
    try {
      return await compilePlan(await parseConfig(config(api, top), join(dir, 'rampart.yaml'), {}));
    } finally {
      if (doc !== undefined) await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
    }
  }

  test('routes carry the server base path, auth requirement, mode and limits', async () => {
    const p = await plan();
    const byId = new Map(p.routes.map((r) => [r.id, r]));
    assert.equal(byId.get('getUser')?.template, '/v1/users/{id}');
    assert.equal(byId.get('getUser')?.authenticated, true);
    assert.equal(byId.get('health')?.authenticated, false);
    assert.equal(byId.get('upload')?.maxBodyBytes, 1048576, 'x-rampart in the document');
    assert.equal(byId.get('bigUpload')?.maxBodyBytes, 10485760, 'the config default');
    const bare = await compilePlan(await parseConfig(config(), join(dir, 'rampart.yaml'), {}), {
      factories: [],
    });
    assert.equal(bare.routes[0]?.phases, null, 'no policy applies: phases are skipped');
    assert.ok(Object.isFrozen(byId.get('getUser')));
  });

  test('config overrides by operationId and by "METHOD /path" win over x-rampart', async () => {
    const p = await plan(
      '    routes:\n      upload: { maxBodyBytes: 10 }\n      "GET /users/{id}": { mode: monitor }\n',
    );
    const byId = new Map(p.routes.map((r) => [r.id, r]));
    assert.equal(byId.get('upload')?.maxBodyBytes, 10);
    assert.equal(byId.get('getUser')?.mode, 'monitor');
    assert.equal(byId.get('deleteUser')?.mode, 'enforce');
  });

  test('an override naming no operation is an error with its location', async () => {
    await assert.rejects(plan('    routes:\n      getUsr: { mode: monitor }\n'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /rampart\.yaml:10:7: apis\.0\.routes\.getUsr: no operation "getUsr"/);
      return true;
    });
  });

  test('basePath in the config replaces the servers path', async () => {
    const p = await plan('    basePath: /api');
    assert.ok(p.routes.some((r) => r.template === '/api/users/{id}'));
  });

  test('an invalid x-rampart is an error naming the document location', async () => {
    const doc = TEST_OPENAPI.replace(
      'x-rampart: { maxBodyBytes: 1048576 }',
      'x-rampart: { maxBodyBites: 1 }',
    );
    await assert.rejects(plan('', '', doc), (err: unknown) => {
      assert.ok(err instanceof OpenApiError);
      assert.match(err.message, /openapi\.yaml:\d+:\d+: x-rampart of upload/);
      return true;
    });
  });

  test('two operations on the same method and path are a conflict at load', async () => {
    const doc = TEST_OPENAPI.replace(
      '  /admin:\n',
      '  /users/{userId}:\n    get:\n      responses: { "200": { description: x } }\n  /admin:\n',
    );
    await assert.rejects(plan('', '', doc), /conflicts|duplicate|path parameter/);
  });

  test('passthrough routes forward undeclared paths, declared operations still win', async () => {
    const p = await plan(
      '    passthrough:\n      - { methods: [GET, POST], path: /legacy/* }\n      - { path: /v1/admin }',
    );
    const m = p.router.match('GET', '/legacy/a/b');
    assert.ok(m.kind === 'found' && m.route.passthrough);
    assert.equal(p.router.match('PUT', '/legacy/a').kind, 'none');
    const admin = p.router.match('GET', '/v1/admin');
    assert.ok(admin.kind === 'found' && !admin.route.passthrough);
  });

  test('invalid trusted proxy entries are refused', async () => {
    await assert.rejects(plan('', 'trustedProxies: [10.0.0.0/33]'), /invalid IP or CIDR "10\.0\.0\.0\/33"/);
  });
});
