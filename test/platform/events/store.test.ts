import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openEventStore } from '../../../src/platform/events/open.ts';
import type { EventStore, SecurityEvent } from '../../../src/platform/events/types.ts';
import { dropSchema, pgSchema } from '../../store/pg.ts';

function event(i: number, over: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    time: 1_700_000_000_000 + i,
    requestId: `r${i}`,
    consumer: i % 2 === 0 ? 'alice' : null,
    ip: '203.0.113.7',
    method: 'GET',
    route: 'demo:getUser',
    category: i % 3 === 0 ? 'inject' : 'auth',
    code: i % 3 === 0 ? 'inject.sqli' : 'auth.missing',
    severity: i % 3 === 0 ? 'high' : 'medium',
    action: 'refuse',
    status: 403,
    evidence: i % 3 === 0 ? "' OR 1=1" : null,
    ...over,
  };
}

function suite(open: () => Promise<EventStore>) {
  test('inserts a batch and reads it back in order, with filters and a cursor', async () => {
    const store = await open();
    try {
      // 30 rows: the SQLite store writes them as a group of 16 in one statement, then one by one
      const written = Array.from({ length: 30 }, (_, i) => event(i));
      await store.insert(written);
      assert.equal(await store.count(), 30);
      const all = await store.list();
      assert.equal(all.length, 30);
      assert.deepEqual(
        all.map(({ id: _, ...e }) => e),
        written,
      );
      assert.deepEqual(
        all.map((e) => e.requestId),
        Array.from({ length: 30 }, (_, i) => `r${i}`),
      );
      const first = all[0]!;
      assert.equal(first.time, 1_700_000_000_000);
      assert.equal(first.consumer, 'alice');
      assert.equal(first.evidence, "' OR 1=1");
      assert.equal(first.status, 403);
      assert.equal((await store.list({ category: 'inject' })).length, 10);
      assert.equal((await store.list({ consumer: 'alice' })).length, 15);
      const page = await store.list({ after: all[9]!.id, limit: 5 });
      assert.deepEqual(
        page.map((e) => e.requestId),
        ['r10', 'r11', 'r12', 'r13', 'r14'],
      );
    } finally {
      await store.close();
    }
  });

  test('retention deletes by age and keeps at most the newest N', async () => {
    const store = await open();
    try {
      await store.insert(Array.from({ length: 20 }, (_, i) => event(i, { time: 1000 + i })));
      // age: everything before 1005 goes (5 events)
      assert.equal(await store.prune(1005, Number.MAX_SAFE_INTEGER), 5);
      assert.equal(await store.count(), 15);
      // count: keep the newest 4
      assert.equal(await store.prune(0, 4), 11);
      const left = await store.list();
      assert.deepEqual(
        left.map((e) => e.requestId),
        ['r16', 'r17', 'r18', 'r19'],
      );
    } finally {
      await store.close();
    }
  });
}

describe('SQLite event store', () => {
  let n = 0;
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  suite(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    return openEventStore(`events-${n++}.db`, dir);
  });
});

const pg = await pgSchema();
describe('PostgreSQL event store', { skip: 'skip' in pg ? pg.skip : false }, () => {
  if ('skip' in pg) return;
  let n = 0;
  const schemas: string[] = [];
  after(async () => {
    for (const s of schemas) await dropSchema(s);
  });
  suite(async () => {
    const schema = `${pg.schema}_${n++}`;
    schemas.push(schema);
    return openEventStore(`${pg.url.replace(/schema=[a-z0-9_]+/, `schema=${schema}`)}`);
  });
});
