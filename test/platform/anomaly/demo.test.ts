/**
 * Traffic replays against the real demo behind the gateway (examples/demo.yaml, whose `anomaly:`
 * section is on): a BOLA scraping run, a credential-stuffing run, and the seeded users' normal
 * traffic. The engine is wired as `rampart gateway` wires it: the gateway's onRecord hook, the
 * process's shared state for blocks, a real SQLite event store through the event writer.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { request } from 'undici';
import { SEED_USERS } from '../../../examples/demo-api/db.ts';
import type { AnomalyConfig } from '../../../src/config/schema.ts';
import { type AnomalyEngine, createAnomalyEngine } from '../../../src/platform/anomaly/engine.ts';
import { planTemplates } from '../../../src/platform/anomaly/templates.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../../src/platform/anomaly/webhook.ts';
import { openSqliteEventStore } from '../../../src/platform/events/sqlite.ts';
import type { EventStore } from '../../../src/platform/events/types.ts';
import { createEventWriter, type EventWriter } from '../../../src/platform/events/writer.ts';
import { type DemoPair, startDemoPair } from '../../helpers/demo.ts';
import { memoryLogger } from './fixtures.ts';

const SECRET = 'demo-webhook-secret-0123456789abcdef';

interface Hook {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}
let hookServer: Server;
let hookUrl = '';
let hookStatuses: number[] = [];
let hooks: Hook[] = [];
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-anomaly-demo-'));
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = hookStatuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/alerts`;
});
after(async () => {
  await new Promise<void>((r) => hookServer.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

interface Rig {
  readonly pair: DemoPair;
  readonly engine: AnomalyEngine;
  readonly store: EventStore;
  readonly writer: EventWriter;
  readonly logger: ReturnType<typeof memoryLogger>;
}
let rig: Rig | undefined;
afterEach(async () => {
  if (rig === undefined) return;
  await rig.engine.close();
  await rig.writer.close();
  await rig.store.close();
  await rig.pair.close();
  rig = undefined;
});

/** The demo behind the gateway with the engine on its access records; `tweak` edits demo.yaml's anomaly settings. */
async function start(tweak: (cfg: AnomalyConfig) => AnomalyConfig = (c) => c): Promise<Rig> {
  let engine: AnomalyEngine | undefined;
  const pair = await startDemoPair(undefined, { onRecord: (r) => engine?.onRecord(r) });
  const store = openSqliteEventStore(join(dir, `events-${Date.now()}-${Math.random()}.db`));
  const writer = createEventWriter(store, {
    queueSize: 1000,
    batchSize: 100,
    flushIntervalMs: 50,
    maxAgeMs: 0,
    maxEvents: 0,
    pruneIntervalMs: 60_000,
  });
  const logger = memoryLogger();
  const demoCfg = pair.gateway.state.plan.config.anomaly;
  assert.equal(demoCfg.enabled, true, 'examples/demo.yaml turns anomaly detection on');
  engine = createAnomalyEngine(tweak(demoCfg), {
    state: pair.services.state,
    keys: pair.services.auth?.keys,
    events: writer,
    logger,
    templates: planTemplates(() => pair.gateway.state.plan),
  });
  rig = { pair, engine, store, writer, logger };
  return rig;
}

async function call(
  gw: string,
  method: 'GET' | 'POST',
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await request(`${gw}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.body.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: r.statusCode, body: parsed };
}

async function login(gw: string, username: string, password: string): Promise<string> {
  const r = await call(gw, 'POST', '/api/v1/auth/login', undefined, { username, password });
  assert.equal(r.status, 200, `login of ${username}`);
  return r.body.token as string;
}

const total = (e: AnomalyEngine) => Object.values(e.detections).reduce((a, b) => a + b, 0);

test('BOLA scraping (sequential order ids) is detected within 50 requests, the consumer is blocked and the webhook alerted', async () => {
  hooks = [];
  hookStatuses = [500];
  const { pair, engine, writer, store } = await start((c) => ({
    ...c,
    webhook: {
      url: hookUrl,
      secret: SECRET,
      format: 'json',
      timeoutMs: 5_000,
      maxAttempts: 4,
      retryBaseMs: 10,
      queueSize: 10,
    },
    enumeration: { ...c.enumeration, respond: ['block', 'alert'] },
  }));
  const alice = await login(pair.gw, 'alice', 'alice123');
  const bob = await login(pair.gw, 'bob', 'bob123');
  let detectedAt = 0;
  for (let id = 1; id <= 50 && detectedAt === 0; id++) {
    const r = await call(pair.gw, 'GET', `/api/v1/orders/${id}`, alice);
    assert.notEqual(r.body.code, 'client.blocked', 'not blocked before the detection');
    if (engine.detections.enumeration > 0) detectedAt = id;
  }
  assert.ok(detectedAt > 0 && detectedAt <= 50, `detected at request ${detectedAt}`);
  await engine.settled();
  const next = await call(pair.gw, 'GET', `/api/v1/orders/${detectedAt + 1}`, alice);
  assert.equal(next.status, 403);
  assert.equal(next.body.code, 'client.blocked');
  // the block is alice's, not everyone's on this IP
  assert.equal((await call(pair.gw, 'GET', '/api/v1/orders', bob)).status, 200);

  // the webhook: a 500, then a retry with a verifiable signature
  assert.equal(hooks.length, 2);
  for (const h of hooks) {
    assert.equal(
      verifyWebhook(
        SECRET,
        h.headers[TIMESTAMP_HEADER] as string,
        h.headers[SIGNATURE_HEADER] as string,
        h.body,
      ),
      true,
    );
  }
  const alert = JSON.parse(hooks[1]!.body) as Record<string, unknown>;
  assert.equal(alert.code, 'anomaly.enumeration');
  assert.equal(alert.consumer, '1');
  assert.deepEqual(alert.responses, ['block']);

  await writer.flush();
  const events = await store.list({ category: 'anomaly' });
  assert.deepEqual(events.map((e) => e.code).sort(), [
    'anomaly.enumeration',
    'response.alert',
    'response.block',
  ]);
  const block = events.find((e) => e.code === 'response.block')!;
  assert.equal(block.consumer, '1');
  assert.equal(block.evidence, 'consumer 1 blocked for 300s');
  assert.match(events.find((e) => e.code === 'response.alert')!.evidence ?? '', /delivered after 2 attempt/);
});

test('credential stuffing (many usernames from one IP) is detected and the IP blocked', async () => {
  const { pair, engine, store, writer, logger } = await start();
  let detectedAt = 0;
  for (let i = 0; i < 30 && detectedAt === 0; i++) {
    const r = await call(pair.gw, 'POST', '/api/v1/auth/login', undefined, {
      username: `victim${i}@example.com`,
      password: 'Winter2024!',
    });
    assert.equal(r.status, 401);
    if (engine.detections.credentialStuffing > 0) detectedAt = i + 1;
  }
  assert.equal(detectedAt, 8, 'demo.yaml: 8 usernames from one IP');
  await engine.settled();
  const next = await call(pair.gw, 'POST', '/api/v1/auth/login', undefined, {
    username: 'alice',
    password: 'alice123',
  });
  assert.equal(next.status, 403);
  assert.equal(next.body.code, 'client.blocked');
  await writer.flush();
  const events = await store.list({ category: 'anomaly' });
  assert.deepEqual(events.map((e) => e.code).sort(), ['anomaly.credential_stuffing', 'response.block']);
  assert.equal(events.find((e) => e.code === 'response.block')!.ip, '127.0.0.1');
  assert.doesNotMatch(JSON.stringify([events, logger.lines]), /victim/, 'usernames never in clear');
});

test("the seeded users' normal traffic raises no detection and no alert (false-positive test)", async () => {
  hooks = [];
  hookStatuses = [];
  const { pair, engine, store, writer } = await start((c) => {
    const alertAll = <T extends { respond: readonly string[] }>(d: T) => ({ ...d, respond: ['alert'] });
    return {
      ...c,
      webhook: {
        url: hookUrl,
        secret: SECRET,
        format: 'json',
        timeoutMs: 5_000,
        maxAttempts: 2,
        retryBaseMs: 10,
        queueSize: 10,
      },
      enumeration: alertAll(c.enumeration),
      credentialStuffing: alertAll(c.credentialStuffing),
      authFailures: alertAll(c.authFailures),
      trafficSpike: alertAll(c.trafficSpike),
      adminRoutes: alertAll(c.adminRoutes),
    } as AnomalyConfig;
  });
  const gw = pair.gw;
  let requests = 0;
  // a user mistypes their password once
  assert.equal(
    (await call(gw, 'POST', '/api/v1/auth/login', undefined, { username: 'bob', password: 'bob12' })).status,
    401,
  );
  const sessions: { id: string; token: string; admin: boolean }[] = [];
  for (const u of SEED_USERS) {
    const token = await login(gw, u.username, u.password);
    const sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub as string;
    sessions.push({ id: sub, token, admin: u.role === 'admin' });
  }
  for (let round = 0; round < 8; round++) {
    for (const s of sessions) {
      const calls: string[] = [
        `/api/v1/users/${s.id}`,
        '/api/v1/orders',
        '/api/v1/orders?limit=5',
        '/api/v1/products/search?q=Widget',
        '/api/v1/health',
      ];
      const list = await call(gw, 'GET', '/api/v1/orders', s.token);
      requests++;
      for (const o of (list.body.items ?? list.body.orders ?? []) as { id: number }[])
        calls.push(`/api/v1/orders/${o.id}`);
      if (s.admin) calls.push('/api/v1/users/1', '/api/v1/users/2');
      for (const path of calls) {
        const r = await call(gw, 'GET', path, s.token);
        assert.ok(r.status < 500, `${path} answered ${r.status}`);
        requests++;
      }
    }
    // logging in again now and then, as clients do
    if (round % 3 === 0) for (const u of SEED_USERS) await login(gw, u.username, u.password);
  }
  assert.ok(requests > 150, `${requests} requests replayed`);
  await engine.settled();
  assert.equal(total(engine), 0, JSON.stringify(engine.detections));
  assert.equal(hooks.length, 0, 'no alert reached the webhook');
  await writer.flush();
  assert.equal((await store.list({ category: 'anomaly' })).length, 0);
});
