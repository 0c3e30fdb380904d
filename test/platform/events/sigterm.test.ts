import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { openSqliteEventStore } from '../../../src/platform/events/sqlite.ts';
import { json, spawnCli } from '../../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../../helpers/gateway.ts';

let dir = '';
let up: TestUpstream;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-events-sigterm-'));
  up = await startUpstream();
  await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
  // a flush interval and batch far beyond the test: every event is still queued when SIGTERM comes
  await writeFile(
    join(dir, 'rampart.yaml'),
    `listeners:\n  - { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nupstreams:\n  app:\n    url: ${up.url}\napis:\n  - name: t\n    openapi: ./openapi.yaml\n    upstream: app\nevents:\n  enabled: true\n  store: ./events.db\n  flushIntervalMs: 60000\n  batchSize: 10000\n`,
  );
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test('SIGTERM mid-traffic: every refusal the clients saw is in the event store after exit', async () => {
  const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')]);
  const agent = new Agent({ connections: 4 });
  try {
    const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
    const url = (line.listeners as string[])[0]!;
    let refused = 0;
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await request(`${url}/undeclared/${n}/${i}`, { dispatcher: agent });
          const body = (await r.body.json()) as { code?: string };
          if (r.statusCode === 404 && body.code === 'route.undeclared') refused++;
        } catch {
          // the gateway stopped accepting: this request never reached it
          stop = true;
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    while (refused < 200 && !stop) await new Promise((r) => setImmediate(r));
    const metrics = await request(`${line.admin as string}/metrics`);
    const text = await metrics.body.text();
    assert.match(text, /^rampart_events_dropped_total 0$/m, 'the dropped counter is exported');
    assert.match(text, /^rampart_events_queued \d+$/m);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    stop = true;
    await Promise.all(clients);
    const store = openSqliteEventStore(join(dir, 'events.db'));
    try {
      const count = await store.count();
      assert.ok(refused >= 200);
      assert.equal(count, refused, 'events before = after');
      const [first] = await store.list({ limit: 1 });
      assert.equal(first?.code, 'route.undeclared');
      assert.equal(first?.category, 'route');
      assert.equal(first?.ip, '127.0.0.1');
    } finally {
      await store.close();
    }
  } finally {
    p.child.kill('SIGKILL');
    await agent.close();
  }
});
