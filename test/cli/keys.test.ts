import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { json, runCliInProcess, spawnCli } from '../helpers/cli.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { REDIS_URL, redisSkipReason } from '../state/redis-available.ts';
import { dropSchema, pgSchema } from '../store/pg.ts';

const PEPPER = 'cli-test-pepper-0123456789-abcdefghijklmnop';
const OPENAPI = `openapi: 3.1.0
info: { title: t, version: '1' }
security: [{ key: [] }]
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /things:
    get:
      responses: { '200': { description: ok } }
`;

function config(upstream: string, store: string, extra = ''): string {
  return `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: false
upstreams:
  app: { url: ${upstream} }
apis:
  - { name: t, openapi: ./openapi.yaml, upstream: app }
auth:
  pepper: \${RAMPART_PEPPER}
  store: ${store}
  apiKeys:
    key: { header: x-api-key }
${extra}
log: { level: info, access: false }
`;
}

/** Run `rampart …args` in-process; returns the exit code and what it wrote. */
function rampart(dir: string, ...args: string[]) {
  return runCliInProcess(args, dir, { RAMPART_PEPPER: PEPPER });
}

/** The create/list/rotate/revoke cycle over one store location. */
function lifecycle(store: () => string) {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-keys-'));
    await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
    await writeFile(join(dir, 'rampart.yaml'), config('http://127.0.0.1:9', store()));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('create prints the key once; list shows only its prefix; rotate and revoke change status', async () => {
    const created = await rampart(
      dir,
      'keys',
      'create',
      '--consumer',
      'alice',
      '--roles',
      'user',
      '--env',
      'test',
      '--json',
    );
    assert.equal(created.code, 0, created.err);
    const { id, key } = JSON.parse(created.out) as { id: string; key: string };
    assert.match(key, /^rk_test_[0-9A-Za-z]{38}$/);

    const listed = await rampart(dir, 'keys', 'list', '--json');
    assert.equal(listed.code, 0);
    assert.ok(!listed.out.includes(key));
    const rows = JSON.parse(listed.out) as { id: string; prefix: string; status: string }[];
    assert.deepEqual(
      rows.map((r) => [r.id, r.prefix, r.status]),
      [[id, key.slice(0, 12), 'active']],
    );

    const rotated = await rampart(dir, 'keys', 'rotate', id, '--overlap', '1h', '--json');
    assert.equal(rotated.code, 0, rotated.err);
    const fresh = JSON.parse(rotated.out) as { id: string; key: string };
    assert.notEqual(fresh.key, key);
    const after = JSON.parse((await rampart(dir, 'keys', 'list', '--json')).out) as {
      id: string;
      status: string;
    }[];
    assert.equal(after.find((r) => r.id === id)?.status, 'active (expires)');

    const revoked = await rampart(dir, 'keys', 'revoke', fresh.id);
    assert.equal(revoked.code, 0);
    assert.equal((await rampart(dir, 'keys', 'revoke', fresh.id)).code, 1);
    const last = JSON.parse((await rampart(dir, 'keys', 'list', '--json')).out) as {
      id: string;
      status: string;
    }[];
    assert.equal(last.find((r) => r.id === fresh.id)?.status, 'revoked');
  });

  test('bad usage exits 2 with a message', async () => {
    assert.equal((await rampart(dir, 'keys')).code, 2);
    assert.equal((await rampart(dir, 'keys', 'create')).code, 2);
    assert.equal((await rampart(dir, 'keys', 'rotate', 'x', '--overlap', 'soon')).code, 2);
    assert.equal((await rampart(dir, 'keys', 'frobnicate')).code, 2);
  });
}

describe('rampart keys on SQLite', () => {
  lifecycle(() => './keys.db');

  test('without a pepper the command refuses to run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-keys-'));
    await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
    await writeFile(
      join(dir, 'rampart.yaml'),
      config('http://127.0.0.1:9', './k.db').replace(/ {2}pepper: .*\n/, ''),
    );
    const r = await rampart(dir, 'keys', 'list');
    assert.equal(r.code, 2);
    assert.match(r.err, /auth\.pepper is not set/);
    await rm(dir, { recursive: true, force: true });
  });
});

const pg = await pgSchema();
const redisSkip = await redisSkipReason();
describe('rampart keys on PostgreSQL', { skip: 'skip' in pg ? pg.skip : false }, () => {
  if ('skip' in pg) return;
  after(async () => dropSchema(pg.schema));
  lifecycle(() => pg.url);
});

describe('a key revoked while a gateway process runs', () => {
  let up: TestUpstream;
  before(async () => {
    up = await startUpstream();
  });
  after(async () => up.close());

  async function scenario(extra: string) {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-keys-gw-'));
    await writeFile(join(dir, 'openapi.yaml'), OPENAPI);
    await writeFile(join(dir, 'rampart.yaml'), config(up.url, './keys.db', extra));
    const created = await rampart(dir, 'keys', 'create', '--consumer', 'svc', '--json');
    const { id, key } = JSON.parse(created.out) as { id: string; key: string };
    const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')], { RAMPART_PEPPER: PEPPER });
    try {
      const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
      const url = (line.listeners as string[])[0]!;
      const ok = await fetch(`${url}/things`, { headers: { 'x-api-key': key } });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      assert.equal((await rampart(dir, 'keys', 'revoke', id)).code, 0);
      // the broadcast is asynchronous: ask until refused, within a generous bound (not a timing assertion)
      let status = 0;
      for (let i = 0; i < 100 && status !== 401; i++) {
        const r = await fetch(`${url}/things`, { headers: { 'x-api-key': key } });
        status = r.status;
        await r.body?.cancel();
        if (status !== 401) await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(status, 401);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('with no cache, the second process refuses the key on its next request (SQLite store)', async () => {
    await scenario('  keyCacheTtlMs: 0');
  });

  test('with a long cache, a Redis state broadcasts the revocation to the running process', {
    skip: redisSkip ?? false,
  }, async () => {
    const prefix = `rt${randomBytes(4).toString('hex')}:`;
    await scenario(`  keyCacheTtlMs: 300000\nstate: { url: '${REDIS_URL}', prefix: '${prefix}' }`);
  });
});
