/** `rampart gateway` wires the engine next to events and discovery: with events on, and with them off (log only). */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { openSqliteEventStore } from '../../../src/platform/events/sqlite.ts';
import { json, spawnCli } from '../../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../../helpers/gateway.ts';

let dir = '';
let up: TestUpstream;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-anomaly-cli-'));
  up = await startUpstream();
  await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

const config = (events: boolean) => `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app:
    url: ${up.url}
apis:
  - name: t
    openapi: ./openapi.yaml
    upstream: app
${events ? 'events:\n  enabled: true\n  store: ./events.db\n  flushIntervalMs: 50\n' : ''}anomaly:
  enabled: true
  enumeration:
    sequentialRun: 5
    respond: [block]
    blockSeconds: 120
`;

async function scrape(url: string): Promise<{ statuses: number[]; code: unknown }> {
  const statuses: number[] = [];
  for (let id = 1; id <= 5; id++) {
    const r = await request(`${url}/v1/users/${id}`);
    await r.body.dump();
    statuses.push(r.statusCode);
  }
  const r = await request(`${url}/v1/users/6`);
  const body = (await r.body.json()) as { code?: unknown };
  statuses.push(r.statusCode);
  return { statuses, code: body.code };
}

for (const events of [true, false]) {
  test(`the gateway detects a scraping run and blocks the IP (events ${events ? 'on' : 'off: logged only'})`, async () => {
    const file = join(dir, `rampart-${events}.yaml`);
    await writeFile(file, config(events));
    const p = spawnCli(['gateway', '--config', file]);
    try {
      const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
      const url = (line.listeners as string[])[0]!;
      const { statuses, code } = await scrape(url);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 403]);
      assert.equal(code, 'client.blocked');
      const logged = json(await p.waitFor((l) => json(l)?.code === 'response.block'))!;
      assert.equal(logged.msg, 'anomaly');
      assert.equal(logged.evidence, 'ip 127.0.0.1 blocked for 120s');
      const metrics = await request(`${line.admin as string}/metrics`);
      const text = await metrics.body.text();
      assert.match(text, /rampart_anomaly_detections_total\{detector="enumeration"\} 1/);
      assert.match(text, /rampart_anomaly_subjects 1/);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    } finally {
      p.child.kill('SIGKILL');
    }
    if (!events) return;
    const store = openSqliteEventStore(join(dir, 'events.db'));
    try {
      const found = await store.list({ category: 'anomaly' });
      assert.deepEqual(
        found.map((e) => e.code),
        ['anomaly.enumeration', 'response.block'],
      );
    } finally {
      await store.close();
    }
  });
}
