import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { openEventStore } from '../../../src/platform/events/open.ts';
import { eventValues } from '../../../src/platform/events/rows.ts';
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
      // at the cap nothing goes; one under it, the oldest; a cap of 0 empties the store
      assert.equal(await store.prune(0, 4), 0);
      assert.equal(await store.prune(0, 3), 1);
      assert.deepEqual(
        (await store.list()).map((e) => e.requestId),
        ['r17', 'r18', 'r19'],
      );
      assert.equal(await store.prune(0, 0), 3);
      assert.equal(await store.count(), 0);
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

  test('stores each kind (method, category, code, severity, action) once and reads the wide shape through a view', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    const store = await openEventStore('kinds.db', dir);
    // 40 events of 3 kinds (event() cycles the code), and a failed batch: its new kind must not stay behind
    await store.insert(Array.from({ length: 40 }, (_, i) => event(i)));
    await assert.rejects(
      store.insert([event(41, { code: 'client.new', category: 'client' }), { bad: true } as never]),
    );
    await store.insert([event(42, { code: 'client.new', category: 'client' })]);
    await store.close();
    const db = new DatabaseSync(join(dir, 'kinds.db'));
    try {
      const kinds = db.prepare('SELECT code FROM security_event_kinds ORDER BY id').all() as {
        code: string;
      }[];
      assert.deepEqual(kinds.map((k) => k.code).sort(), ['auth.missing', 'client.new', 'inject.sqli']);
      const rows = db.prepare('SELECT COUNT(*) AS n FROM security_event_rows').get() as { n: number };
      assert.equal(rows.n, 41);
      const wide = db.prepare("SELECT * FROM security_events WHERE code = 'client.new'").all();
      assert.equal(wide.length, 1);
      assert.equal((wide[0] as { request_id: string }).request_id, 'r42');
    } finally {
      db.close();
    }
  });

  test('a file of the earlier one-table layout is migrated on open, ids and contents kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    const file = join(dir, 'old.db');
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE security_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, request_id TEXT NOT NULL, consumer TEXT,
      ip TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, category TEXT NOT NULL, code TEXT NOT NULL,
      severity TEXT NOT NULL, action TEXT NOT NULL, status INTEGER NOT NULL, evidence TEXT);
      CREATE INDEX security_events_time ON security_events(time);`);
    const put = db.prepare(
      'INSERT INTO security_events (time, request_id, consumer, ip, method, route, category, code, severity, action, status, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const old = Array.from({ length: 12 }, (_, i) => event(i));
    // the values in the wide table's column order, as the PostgreSQL store still writes them
    for (const e of old) put.run(...eventValues(e));
    db.exec('DELETE FROM security_events WHERE id = 12'); // AUTOINCREMENT: 12 must not be handed out again
    db.close();

    const store = await openEventStore(file);
    try {
      const read = await store.list();
      assert.deepEqual(
        read.map(({ id, ...e }) => [id, e]),
        old.slice(0, 11).map((e, i) => [i + 1, e]),
      );
      await store.insert([event(99)]);
      const last = (await store.list({ order: 'desc', limit: 1 }))[0]!;
      assert.equal(last.requestId, 'r99');
      assert.equal(last.id, 13);
      assert.equal((await store.aggregate(0, 60_000)).refused, 12);
    } finally {
      await store.close();
    }
    const after = await openEventStore(file); // the second open finds the new layout and leaves it
    assert.equal(await after.count(), 12);
    await after.close();
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
