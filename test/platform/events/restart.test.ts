import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { openSqliteEventStore } from '../../../src/platform/events/sqlite.ts';
import { json, spawnCli } from '../../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../../helpers/gateway.ts';

// generous: on a loaded shared machine a gateway process can take many seconds to start
const STARTUP_MS = 60_000;

let dir = '';
let up: TestUpstream;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-events-restart-'));
  up = await startUpstream();
  await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, events: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    `listeners:\n  - { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nupstreams:\n  app:\n    url: ${up.url}\napis:\n  - name: t\n    openapi: ./openapi.yaml\n    upstream: app\nlog: { access: false }\nevents:\n  enabled: true\n${events}`,
  );
  return file;
}

/** Undeclared requests from 4 clients until `target` were refused or the gateway stopped accepting. */
async function refusals(url: string, tag: string, target: number, agent: Agent) {
  let refused = 0;
  let stop = false;
  const client = async (n: number) => {
    for (let i = 0; !stop; i++) {
      try {
        const r = await request(`${url}/undeclared/${tag}/${n}/${i}`, { dispatcher: agent });
        const body = (await r.body.json()) as { code?: string };
        if (r.statusCode === 404 && body.code === 'route.undeclared') refused++;
      } catch {
        // the gateway stopped accepting: this request never reached it
        stop = true;
      }
    }
  };
  const clients = [0, 1, 2, 3].map(client);
  return {
    reached: async () => {
      while (refused < target && !stop) await new Promise((r) => setImmediate(r));
    },
    /** Wait for the clients once the gateway is gone; the count of refusals they saw. */
    finish: async () => {
      stop = true;
      await Promise.all(clients);
      return refused;
    },
  };
}

/** Start the gateway, refuse traffic until at least `target`, SIGTERM it under load; refusals seen. */
async function runOnce(config: string, tag: string, target: number): Promise<number> {
  const p = spawnCli(['gateway', '--config', config]);
  const agent = new Agent({ connections: 4 });
  try {
    const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening', STARTUP_MS))!;
    const load = await refusals((line.listeners as string[])[0]!, tag, target, agent);
    await load.reached();
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    return await load.finish();
  } finally {
    p.child.kill('SIGKILL');
    await agent.close();
  }
}

test('graceful restart: events of both runs are in the SQLite file (count before = after)', async () => {
  // everything stays queued until SIGTERM: the flush on stop is what saves it
  const config = await writeConfig(
    'restart.yaml',
    '  store: ./restart.db\n  flushIntervalMs: 60000\n  batchSize: 10000\n',
  );
  const first = await runOnce(config, 'a', 150);
  const store = () => openSqliteEventStore(join(dir, 'restart.db'));
  let s = store();
  try {
    assert.equal(await s.count(), first, 'first run: events = refusals seen');
  } finally {
    await s.close();
  }
  const second = await runOnce(config, 'b', 150);
  s = store();
  try {
    assert.ok(first >= 150 && second >= 150);
    assert.equal(await s.count(), first + second, 'after the restart: nothing lost, nothing doubled');
    const oldest = await s.list({ limit: 1 });
    assert.equal(oldest[0]?.code, 'route.undeclared');
  } finally {
    await s.close();
  }
});

test('a full queue drops and counts: rampart_events_dropped_total in /metrics, queued + dropped = refused', async () => {
  // a queue of 5 that is never flushed before SIGTERM: every refusal past the 5th is dropped
  const config = await writeConfig(
    'full.yaml',
    '  store: ./full.db\n  queueSize: 5\n  flushIntervalMs: 60000\n  batchSize: 10000\n',
  );
  const p = spawnCli(['gateway', '--config', config]);
  try {
    const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening', STARTUP_MS))!;
    const url = (line.listeners as string[])[0]!;
    for (let i = 0; i < 20; i++) {
      const r = await request(`${url}/undeclared/${i}`);
      assert.equal(r.statusCode, 404);
      await r.body.text();
    }
    // the access record (and its event) is taken when the response closes: poll until all 20 are in
    let text = '';
    for (let i = 0; i < 200; i++) {
      text = await (await request(`${line.admin as string}/metrics`)).body.text();
      if (/^rampart_events_dropped_total 15$/m.test(text)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.match(text, /^rampart_events_dropped_total 15$/m);
    assert.match(text, /^rampart_events_queued 5$/m);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
  }
  const s = openSqliteEventStore(join(dir, 'full.db'));
  try {
    assert.equal(await s.count(), 5, 'the 5 queued events were written on stop');
  } finally {
    await s.close();
  }
});
