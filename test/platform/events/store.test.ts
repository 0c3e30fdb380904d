import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { openEventStore } from '../../../src/platform/events/open.ts';
import { eventQuerySql, eventValues } from '../../../src/platform/events/rows.ts';
import { sinceFloor as sqliteSinceFloor } from '../../../src/platform/events/sqlite.ts';
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

  test('retention by count is exact when age retention left holes among the ids', async () => {
    const store = await open();
    try {
      // times out of order (two writers, a clock set back): age retention deletes ids 2 and 4
      await store.insert([5, 1, 6, 2, 7].map((t, i) => event(i, { time: 2000 + t })));
      assert.equal(await store.prune(2003, Number.MAX_SAFE_INTEGER), 2);
      // three rows over an id range of five: at a cap of 3 nothing goes, at 2 the oldest
      assert.equal(await store.prune(0, 3), 0);
      assert.equal(await store.prune(0, 2), 1);
      assert.deepEqual(
        (await store.list()).map((e) => e.requestId),
        ['r2', 'r4'],
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

  test('stores each type (method, declared route, category, code, severity, action, status) once, the path of an unrouted request in its row, and reads the wide shape through a view', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    const store = await openEventStore('types.db', dir);
    // 40 routed events of 3 types (event() cycles the code), and a failed batch: its new type must not stay behind
    await store.insert(Array.from({ length: 40 }, (_, i) => event(i, { routed: true })));
    await assert.rejects(
      store.insert([event(41, { code: 'client.new', category: 'client' }), { bad: true } as never]),
    );
    await store.insert([event(42, { code: 'client.new', category: 'client', route: '/nowhere/42' })]);
    await store.insert([event(43, { routed: true, status: 429 })]);
    const read = await store.list({ after: 40 });
    assert.deepEqual(
      read.map((e) => [e.requestId, e.route, e.status]),
      [
        ['r42', '/nowhere/42', 403],
        ['r43', 'demo:getUser', 429],
      ],
    );
    assert.equal((await store.list({ route: '/nowhere/42' })).length, 1);
    assert.equal((await store.list({ route: 'demo:getUser' })).length, 41);
    await store.close();
    const db = new DatabaseSync(join(dir, 'types.db'));
    try {
      const types = db.prepare('SELECT code, route, status FROM security_event_types ORDER BY id').all() as {
        code: string;
        route: string;
        status: number;
      }[];
      assert.deepEqual(types.map((t) => `${t.code} ${t.route} ${t.status}`).sort(), [
        'auth.missing demo:getUser 403',
        'auth.missing demo:getUser 429',
        'client.new  403',
        'inject.sqli demo:getUser 403',
      ]);
      const rows = db.prepare('SELECT COUNT(*) AS n, COUNT(path) AS paths FROM security_event_log').get() as {
        n: number;
        paths: number;
      };
      assert.deepEqual({ ...rows }, { n: 42, paths: 1 });
      const wide = db.prepare("SELECT * FROM security_events WHERE code = 'client.new'").all();
      assert.equal(wide.length, 1);
      assert.equal((wide[0] as { request_id: string }).request_id, 'r42');
    } finally {
      db.close();
    }
  });

  test('groups of anonymous routed events without evidence, mixed with others, read back as written', async () => {
    const store = await openEventStore(':memory:');
    try {
      // 16 bare events (the narrow statement), 16 with one consumer among them (the full one), 3 more
      const written = Array.from({ length: 35 }, (_, i) =>
        event(i, { consumer: i === 20 ? 'bob' : null, evidence: i === 34 ? 'x' : null, routed: true }),
      );
      await store.insert(written);
      assert.deepEqual(
        (await store.list()).map(({ id: _, ...e }) => e),
        written.map(({ routed: _, ...e }) => e),
      );
    } finally {
      await store.close();
    }
  });

  test('a time bound is exact whatever the order of times across batches, and found through the spans, not a scan; retention by count stays exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 40 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: -5, max: 105 }),
        fc.integer({ min: -5, max: 105 }),
        fc.integer({ min: 0, max: 300 }),
        async (batches, since, before, keep) => {
          const store = await openEventStore(':memory:');
          try {
            let i = 0;
            const all: SecurityEvent[] = [];
            // times go back and forth between batches, as with two processes or a clock set back
            for (const times of batches) {
              const batch = times.map((t) => event(i++, { time: t }));
              all.push(...batch);
              await store.insert(batch);
            }
            const ids = (events: readonly SecurityEvent[]) => events.map((e) => e.requestId).sort();
            assert.deepEqual(
              ids(await store.list({ since, limit: 1000 })),
              ids(all.filter((e) => e.time >= since)),
            );
            const refused = (await store.aggregate(since, 10)).refused;
            assert.equal(refused, all.filter((e) => e.time >= since).length);
            assert.equal(
              await store.prune(before, Number.MAX_SAFE_INTEGER),
              all.filter((e) => e.time < before).length,
            );
            const kept = all.filter((e) => e.time >= before);
            assert.deepEqual(ids(await store.list({ limit: 1000 })), ids(kept));
            // by count after age: the ids now have holes wherever times went back, which the count must see
            assert.equal(await store.prune(0, keep), Math.max(0, kept.length - keep));
            assert.deepEqual(
              ids(await store.list({ limit: 1000 })),
              ids(kept.slice(Math.max(0, kept.length - keep))),
            );
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    const store = await openEventStore('plan.db', dir);
    await store.close();
    const db = new DatabaseSync(join(dir, 'plan.db'));
    try {
      // the SQL the store runs for `since`, taken from its own query builder
      const q = eventQuerySql({ since: 5 }, (n) => `?${n}`, sqliteSinceFloor);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN SELECT id FROM security_events${q.sql}`)
        .all(...q.params) as { detail: string }[];
      const details = plan.map((p) => p.detail).join('\n');
      assert.match(details, /SEARCH r USING INTEGER PRIMARY KEY \(rowid>\?\)/);
      assert.match(details, /SEARCH security_event_spans USING COVERING INDEX security_event_spans_max_time/);
      assert.doesNotMatch(details, /SCAN/);
    } finally {
      db.close();
    }
  });

  test('no id comes again once retention has emptied the store, across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    const store = await openEventStore('ids.db', dir);
    await store.insert(Array.from({ length: 5 }, (_, i) => event(i, { time: 1000 + i })));
    assert.equal(await store.prune(0, 0), 5);
    await store.insert([event(5, { time: 2000 })]);
    assert.deepEqual(
      (await store.list()).map((e) => e.id),
      [6],
    );
    assert.equal(await store.prune(3000, Number.MAX_SAFE_INTEGER), 1);
    await store.close();
    const again = await openEventStore('ids.db', dir);
    try {
      await again.insert([event(6, { time: 4000 }), event(7, { time: 4001 })]);
      assert.deepEqual(
        (await again.list()).map((e) => e.id),
        [7, 8],
      );
    } finally {
      await again.close();
    }
  });

  test('a file of the kinds layout is migrated on open: ids, contents and the AUTOINCREMENT mark kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-events-'));
    dirs.push(dir);
    const file = join(dir, 'kinds.db');
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE security_event_kinds (id INTEGER PRIMARY KEY, method TEXT NOT NULL,
        category TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL, action TEXT NOT NULL,
        UNIQUE (method, category, code, severity, action));
      CREATE TABLE security_event_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,
        request_id TEXT NOT NULL, consumer TEXT, ip TEXT NOT NULL, route TEXT NOT NULL,
        kind INTEGER NOT NULL REFERENCES security_event_kinds(id), status INTEGER NOT NULL, evidence TEXT);
      CREATE INDEX security_event_rows_time ON security_event_rows(time);
      CREATE VIEW security_events AS SELECT r.id AS id, r.time AS time, r.request_id AS request_id,
        r.consumer AS consumer, r.ip AS ip, k.method AS method, r.route AS route, k.category AS category,
        k.code AS code, k.severity AS severity, k.action AS action, r.status AS status, r.evidence AS evidence
        FROM security_event_rows r JOIN security_event_kinds k ON k.id = r.kind;`);
    const kind = db.prepare(
      'INSERT OR IGNORE INTO security_event_kinds (method, category, code, severity, action) VALUES (?, ?, ?, ?, ?)',
    );
    const kindId = db.prepare(
      'SELECT id FROM security_event_kinds WHERE method = ? AND category = ? AND code = ? AND severity = ? AND action = ?',
    );
    const put = db.prepare(
      'INSERT INTO security_event_rows (time, request_id, consumer, ip, route, kind, status, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const old = Array.from({ length: 10 }, (_, i) => event(i, { status: i < 5 ? 403 : 429 }));
    for (const e of old) {
      const k = [e.method, e.category, e.code, e.severity, e.action] as const;
      kind.run(...k);
      const { id } = kindId.get(...k) as { id: number };
      put.run(e.time, e.requestId, e.consumer, e.ip, e.route, id, e.status, e.evidence);
    }
    db.exec('DELETE FROM security_event_rows WHERE id >= 9'); // AUTOINCREMENT: 9 and 10 must not be handed out again
    db.close();

    const store = await openEventStore(file);
    try {
      assert.deepEqual(
        (await store.list()).map(({ id, ...e }) => [id, e]),
        old.slice(0, 8).map((e, i) => [i + 1, e]),
      );
      assert.equal((await store.list({ since: old[6]!.time })).length, 2);
      await store.insert([event(99)]);
      const last = (await store.list({ order: 'desc', limit: 1 }))[0]!;
      assert.deepEqual([last.id, last.requestId], [11, 'r99']);
    } finally {
      await store.close();
    }
    const check = new DatabaseSync(file);
    try {
      const left = check
        .prepare("SELECT name FROM sqlite_master WHERE name LIKE 'security_event_%' ORDER BY name")
        .all() as { name: string }[];
      assert.deepEqual(
        left.map((t) => t.name),
        [
          'security_event_log',
          'security_event_spans',
          'security_event_spans_max_time',
          'security_event_spans_min_time',
          'security_event_types',
          'security_events',
        ],
      );
    } finally {
      check.close();
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
