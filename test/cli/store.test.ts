import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { openInventoryStore } from '../../src/platform/discovery/store.ts';
import { openEventStore } from '../../src/platform/events/open.ts';
import type { SecurityEvent } from '../../src/platform/events/types.ts';
import { createFieldCipher } from '../../src/store/field-cipher.ts';
import { json, runCliInProcess, spawnCli } from '../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../helpers/gateway.ts';

const key = () => randomBytes(32);
const entry = (kid: string, k: Buffer) => `${kid}:${k.toString('base64')}`;

let dir = '';
let up: TestUpstream;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-cli-store-'));
  up = await startUpstream();
  await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

async function config(name: string, extra = ''): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `listeners:\n  - { host: 127.0.0.1, port: 0 }\nadmin: false\nupstreams:\n  app:\n    url: ${up.url}\napis:\n  - name: t\n    openapi: ./openapi.yaml\n    upstream: app\ninspection:\n  enabled: true\nevents:\n  enabled: true\n  store: ./${name}.db\n  flushIntervalMs: 50\n  discovery: { enabled: true, saveIntervalMs: 100 }\n${extra}`,
  );
  return file;
}

/** Run `rampart …args` in-process with `env`; returns the exit code and what it wrote. */
function rampart(env: NodeJS.ProcessEnv, ...args: string[]) {
  return runCliInProcess(args, dir, env);
}

function event(i: number): SecurityEvent {
  return {
    time: 1_700_000_000_000 + i,
    requestId: `r${i}`,
    consumer: null,
    ip: '127.0.0.1',
    method: 'GET',
    route: 't:getUser',
    category: 'inject',
    code: 'inject.sqli',
    severity: 'high',
    action: 'refuse',
    status: 403,
    evidence: `evidence-${i}`,
  };
}

test('rotate-key re-encrypts every row under the new key in batches; then the old key can go', async () => {
  const cfg = await config('rotate');
  const k1 = key();
  const k2 = key();
  const db = join(dir, 'rotate.db');
  const events = await openEventStore(db, dir, { cipher: createFieldCipher([{ kid: 'k1', key: k1 }]) });
  await events.insert(Array.from({ length: 40 }, (_, i) => event(i)));
  await events.close();

  const r = await rampart(
    { RAMPART_STORE_KEYS: `${entry('k2', k2)},${entry('k1', k1)}` },
    'store',
    'rotate-key',
    '--config',
    cfg,
    '--batch-size',
    '7',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /events: 40 rows read, 40 re-encrypted under key "k2"/);
  assert.ok(!r.out.includes(k1.toString('base64')) && !r.err.includes(k2.toString('base64')));
  assert.ok(!readFileSync(db).toString('latin1').includes('enc:v1:k1:'));

  const only2 = await openEventStore(db, dir, { cipher: createFieldCipher([{ kid: 'k2', key: k2 }]) });
  try {
    const listed = await only2.list();
    assert.equal(listed.length, 40);
    assert.ok(listed.every((e, i) => e.evidence === `evidence-${i}` && e.evidenceUnreadable === undefined));
  } finally {
    await only2.close();
  }

  // a row whose key is no longer configured is reported and fails the command, untouched
  const k3 = key();
  const r2 = await rampart({ RAMPART_STORE_KEYS: entry('k3', k3) }, 'store', 'rotate-key', '--config', cfg);
  assert.equal(r2.code, 1);
  assert.match(r2.out, /40 unreadable/);
});

test('rotate-key without a key, and bad keys, are usage errors that never print the key', async () => {
  const cfg = await config('nokey');
  const none = await rampart({}, 'store', 'rotate-key', '--config', cfg);
  assert.equal(none.code, 2);
  assert.match(none.err, /RAMPART_STORE_KEYS/);
  const short = randomBytes(20).toString('base64');
  const bad = await rampart({ RAMPART_STORE_KEYS: `k1:${short}` }, 'store', 'rotate-key', '--config', cfg);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /RAMPART_STORE_KEYS: key "k1" is 20 bytes, not 32/);
  assert.ok(!bad.err.includes(short));
  assert.equal((await rampart({}, 'store', 'frobnicate')).code, 2);
});

test('the gateway in production mode refuses to start without a key or with a weak one', async () => {
  const cfg = await config('prod');
  const missing = await rampart({ RAMPART_ENV: 'production' }, 'gateway', '--config', cfg);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /RAMPART_STORE_KEYS: production mode needs a data-at-rest key/);
  const weak = Buffer.alloc(32, 0x61).toString('base64');
  const w = await rampart(
    { RAMPART_ENV: 'production', RAMPART_STORE_KEYS: `k1:${weak}` },
    'gateway',
    '--config',
    cfg,
  );
  assert.equal(w.code, 2);
  assert.match(w.err, /key "k1" has every byte the same: refused in production mode/);
  assert.ok(!w.err.includes(weak));
});

test('a gateway with a key writes no plaintext evidence or inventory to its SQLite file', async () => {
  const cfg = await config('live');
  const k = key();
  const marker = `M${randomBytes(6).toString('hex')}`;
  const p = spawnCli(['gateway', '--config', cfg], {
    RAMPART_STORE_KEYS: entry('live1', k),
    RAMPART_ENV: 'production',
  });
  try {
    const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
    const url = (line.listeners as string[])[0]!;
    const res = await request(`${url}/v1/health?q=${encodeURIComponent(`' OR '${marker}'='${marker}' --`)}`);
    await res.body.dump();
    assert.equal(res.statusCode, 403);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
  }
  assert.ok(!p.stdout.some((l) => /unencrypted/.test(l)), 'no plain-storage warning with a key');
  const raw = readFileSync(join(dir, 'live.db')).toString('latin1');
  assert.ok(raw.includes('enc:v1:live1:'));
  assert.ok(!raw.includes(marker), 'the injection payload is not in the file');
  const cipher = createFieldCipher([{ kid: 'live1', key: k }]);
  const events = await openEventStore(join(dir, 'live.db'), dir, { cipher });
  const inventory = await openInventoryStore(join(dir, 'live.db'), dir, { cipher });
  try {
    const [e] = await events.list();
    assert.equal(e?.code, 'inject.sqli');
    const evidence = e?.evidence ?? '';
    assert.match(evidence, /sqli/, 'the evidence reads back with the key');
    assert.ok(!raw.includes(evidence), 'and is not in the file in plain');
    assert.ok((await inventory.load()).some((x) => x.path.startsWith('/v1/health')));
  } finally {
    await events.close();
    await inventory.close();
  }
});

test('without a key outside production the gateway warns and stores plain, as before', async () => {
  const cfg = await config('dev');
  const p = spawnCli(['gateway', '--config', cfg], { RAMPART_STORE_KEYS: '', RAMPART_ENV: '' });
  try {
    await p.waitFor((l) => json(l)?.msg === 'gateway listening');
    assert.ok(p.stdout.some((l) => /stored unencrypted/.test(l)));
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
  }
});
