import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXIT } from '../../src/cli/command.ts';
import { openEventStore } from '../../src/platform/events/open.ts';
import type { EventStore, SecurityEvent } from '../../src/platform/events/types.ts';
import { readTraffic } from '../../src/report/traffic.ts';
import type { PostureReport } from '../../src/report/types.ts';
import { dropSchema, pgSchema } from '../store/pg.ts';
import { demoVariant, runReport } from './helpers.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

function event(over: Partial<SecurityEvent>): SecurityEvent {
  return {
    time: NOW - 1000,
    requestId: 'r1',
    consumer: null,
    ip: '192.0.2.1',
    method: 'GET',
    route: 'demo:getUser',
    category: 'authz',
    code: 'authz.bola',
    severity: 'high',
    action: 'refuse',
    status: 403,
    evidence: null,
    ...over,
  };
}

/** A mix of events: 3 BOLA refusals, 2 monitored injections, 1 auth refusal; and one too old to count. */
const EVENTS: readonly SecurityEvent[] = [
  event({}),
  event({ time: NOW - DAY }),
  event({ time: NOW - 2 * DAY }),
  event({
    category: 'inject',
    code: 'inject.sqli',
    action: 'monitor',
    route: 'demo:searchProducts',
    status: 200,
  }),
  event({
    category: 'inject',
    code: 'inject.sqli',
    action: 'monitor',
    route: 'demo:searchProducts',
    status: 200,
  }),
  event({ category: 'auth', code: 'auth.jwt.expired', status: 401 }),
  event({ time: NOW - 30 * DAY, category: 'auth', code: 'auth.missing' }),
];

async function check(store: EventStore): Promise<void> {
  await store.insert(EVENTS);
  const t = await readTraffic(store, 7, NOW);
  assert.equal(t.events, 6);
  assert.equal(t.truncated, false);
  assert.deepEqual(t.byCategory.authz, { refuse: 3, monitor: 0, error: 0 });
  assert.deepEqual(t.byCategory.inject, { refuse: 0, monitor: 2, error: 0 });
  assert.deepEqual(t.byCategory.auth, { refuse: 1, monitor: 0, error: 0 });
  assert.deepEqual(t.byRoute['demo:searchProducts'], { refuse: 0, monitor: 2, error: 0 });
  assert.equal(t.byDay.length, 8); // 7 days back and today
  assert.deepEqual(t.byDay.at(-1), { day: '2026-11-20', refuse: 2, monitor: 2 });
}

describe('traffic from the events store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-report-events-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('SQLite: refusals and monitor hits by category, route and day', async () => {
    const store = await openEventStore('events.db', dir);
    try {
      await check(store);
    } finally {
      await store.close();
    }
  });

  test('rampart report --events shows the traffic per route and in the framework evidence', async () => {
    const store = await openEventStore('report-events.db', dir);
    const now = Date.now();
    try {
      await store.insert(EVENTS.map((e) => ({ ...e, time: now - (NOW - e.time) })));
    } finally {
      await store.close();
    }
    const config = await demoVariant(dir, 'demo.yaml', (t) => t);
    const r = await runReport(
      ['--config', config, '--events', 'report-events.db', '--days', '7', '--format', 'json'],
      dir,
    );
    assert.equal(r.code, EXIT.ok, r.err);
    const report = JSON.parse(r.out) as PostureReport;
    assert.deepEqual(report.inputs.events, { store: 'sqlite', days: 7 });
    assert.equal(report.traffic?.events, 6);
    assert.deepEqual(report.routes.find((x) => x.label === 'demo:getUser')?.traffic, {
      refuse: 4,
      monitor: 0,
      error: 0,
    });
    const api1 = report.frameworks[0]?.controls.find((c) => c.id === 'API1');
    assert.match(
      api1?.evidence.join('\n') ?? '',
      /traffic \(7 days, authz\): 3 refused, 0 monitored but let through/,
    );
    const text = await runReport(['--config', config, '--events', 'report-events.db'], dir);
    assert.match(text.out, /Traffic \(7 days\): 4 refused, 2 monitored — authz 3, inject 2, auth 1/);
  });
});

const pg = await pgSchema();
describe('traffic from PostgreSQL', { skip: 'skip' in pg ? pg.skip : false }, () => {
  if ('skip' in pg) return;
  after(async () => {
    await dropSchema(pg.schema);
  });

  test('the same counts from a PostgreSQL events store', async () => {
    const store = await openEventStore(pg.url);
    try {
      await check(store);
    } finally {
      await store.close();
    }
  });
});
