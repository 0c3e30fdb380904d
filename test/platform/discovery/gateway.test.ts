import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { parseOpenApi } from '../../../src/openapi/load.ts';
import { diffInventory } from '../../../src/platform/discovery/diff.ts';
import { openInventoryStore } from '../../../src/platform/discovery/store.ts';
import { openSqliteEventStore } from '../../../src/platform/events/sqlite.ts';
import { json, spawnCli } from '../../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../../helpers/gateway.ts';

let dir = '';
let up: TestUpstream;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-discovery-gw-'));
  up = await startUpstream();
  await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
  await writeFile(
    join(dir, 'rampart.yaml'),
    `listeners:\n  - { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nupstreams:\n  app:\n    url: ${up.url}\napis:\n  - name: t\n    openapi: ./openapi.yaml\n    upstream: app\nevents:\n  enabled: true\n  store: ./rampart-events.db\n  discovery: { enabled: true }\n`,
  );
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test('the gateway learns the inventory from traffic; undeclared calls show as shadow; it is saved on SIGTERM', async () => {
  const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')]);
  try {
    const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
    const url = (line.listeners as string[])[0]!;
    for (const path of [
      '/v1/health',
      '/v1/health',
      '/v1/backup/2024-01-01',
      '/v1/backup/2024-02-01',
      '/v1/users/7',
    ]) {
      const r = await request(`${url}${path}`);
      await r.body.dump();
    }
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
  }
  const store = await openInventoryStore(join(dir, 'rampart-events.db'));
  try {
    const endpoints = await store.load();
    const byKey = new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e]));
    assert.equal(byKey.get('GET /v1/health')?.count, 2);
    const backup = byKey.get('GET /v1/backup/{backupDate}');
    assert.equal(backup?.count, 2);
    assert.equal(backup?.refusedUndeclared, 2);
    const diff = diffInventory(endpoints, await parseOpenApi(TEST_OPENAPI, join(dir, 'openapi.yaml')));
    assert.deepEqual(
      diff.shadow.map((s) => [s.path, s.refused]),
      [['/v1/backup/{backupDate}', 2]],
    );
    assert.ok(diff.zombie.some((z) => z.kind === 'never-called' && z.path === '/admin'));
    assert.ok(!diff.zombie.some((z) => z.path === '/health'));
  } finally {
    await store.close();
  }
  const events = openSqliteEventStore(join(dir, 'rampart-events.db'));
  try {
    const undeclared = await events.list({ category: 'route' });
    assert.equal(undeclared.length, 2, 'the two undeclared calls are security events too');
    assert.equal(await events.count(), 2, 'allowed calls are not security events');
    assert.equal(undeclared[0]?.route, '/v1/backup/2024-01-01', 'no route matched: the path names it');
  } finally {
    await events.close();
  }
});
