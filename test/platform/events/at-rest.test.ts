import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { Inventory } from '../../../src/platform/discovery/inventory.ts';
import { openInventoryStore } from '../../../src/platform/discovery/store.ts';
import { openEventStore } from '../../../src/platform/events/open.ts';
import type { SecurityEvent } from '../../../src/platform/events/types.ts';
import { openFindingsStore } from '../../../src/platform/findings/store.ts';
import { createFieldCipher, type FieldCipher } from '../../../src/store/field-cipher.ts';
import { dropSchema, PG_URL, pgSchema } from '../../store/pg.ts';

const k1Key = { kid: 'k1', key: randomBytes(32) };
const k2Key = { kid: 'k2', key: randomBytes(32) };
const k1 = createFieldCipher([k1Key]);

function event(i: number, evidence: string | null): SecurityEvent {
  return {
    time: 1_700_000_000_000 + i,
    requestId: `req-${i}`,
    consumer: 'alice',
    ip: '203.0.113.7',
    method: 'POST',
    route: 'demo:login',
    category: 'inject',
    code: 'inject.sqli',
    severity: 'high',
    action: 'refuse',
    status: 403,
    evidence,
  };
}

/** A place to open stores at, and a way to read and change what the database holds, bypassing Rampart. */
interface Backend {
  fresh(): Promise<string>;
  /** Everything the tables hold, as the database keeps it (file bytes, or raw rows). */
  raw(location: string): Promise<string>;
  /** Run SQL on the database directly; returns the rows. */
  exec(location: string, sql: string, params: (string | number)[]): Promise<Record<string, unknown>[]>;
  /** A placeholder for parameter n (1-based). */
  p(n: number): string;
  /** The table holding the events' evidence (SQLite keeps it in security_event_log, under the security_events view). */
  readonly eventRows: string;
}

function suite(backend: Backend) {
  test('evidence and inventory are absent from the raw store, and read back through it', async () => {
    const marker = `MARKER-${randomBytes(8).toString('hex')}`;
    const location = await backend.fresh();
    const events = await openEventStore(location, undefined, { cipher: k1 });
    const inventory = await openInventoryStore(location, undefined, { cipher: k1 });
    try {
      await events.insert([event(1, `' OR 1=1 -- ${marker}`), event(2, null)]);
      const inv = new Inventory();
      inv.observe({ time: 1, method: 'GET', path: '/users/1', status: 200, consumer: `${marker}-consumer` });
      await inventory.save(inv.endpoints());
    } finally {
      await events.close();
      await inventory.close();
    }
    const raw = await backend.raw(location);
    assert.ok(raw.includes('enc:v1:k1:'), 'the values are there, sealed');
    assert.ok(!raw.includes(marker), 'no plaintext evidence or inventory data in the store');

    const again = await openEventStore(location, undefined, { cipher: k1 });
    const invAgain = await openInventoryStore(location, undefined, { cipher: k1 });
    try {
      const listed = await again.list();
      assert.equal(listed[0]?.evidence, `' OR 1=1 -- ${marker}`);
      assert.equal(listed[1]?.evidence, null);
      assert.equal(listed[0]?.evidenceUnreadable, undefined);
      assert.deepEqual((await invAgain.load())[0]?.consumers, [`${marker}-consumer`]);
    } finally {
      await again.close();
      await invAgain.close();
    }
  });

  test('control: without a key the marker is in the store (the raw read does see plaintext)', async () => {
    const marker = `MARKER-${randomBytes(8).toString('hex')}`;
    const location = await backend.fresh();
    const events = await openEventStore(location);
    await events.insert([event(1, marker)]);
    await events.close();
    assert.ok((await backend.raw(location)).includes(marker));
  });

  test('a rolled-in key keeps old rows readable; rotate re-encrypts all; the old key can go', async () => {
    const location = await backend.fresh();
    // rows from before any key, then rows under k1
    let store = await openEventStore(location);
    await store.insert(Array.from({ length: 7 }, (_, i) => event(i, `plain-${i}`)));
    await store.close();
    store = await openEventStore(location, undefined, { cipher: k1 });
    await store.insert(Array.from({ length: 18 }, (_, i) => event(100 + i, `under-k1-${i}`)));
    await store.close();

    const rolled: FieldCipher = createFieldCipher([k2Key, k1Key]);
    store = await openEventStore(location, undefined, { cipher: rolled });
    try {
      await store.insert([event(500, 'under-k2')]);
      const before = await store.list();
      assert.equal(before.length, 26);
      assert.ok(before.every((e) => e.evidence !== null && e.evidenceUnreadable === undefined));
      const batches: number[] = [];
      const r = await store.reseal(10, (p) => batches.push(p.scanned));
      assert.deepEqual(r, { scanned: 26, resealed: 25, unreadable: 0 });
      assert.deepEqual(batches, [10, 20, 26], 'bounded batches');
      assert.deepEqual(await store.reseal(10), { scanned: 26, resealed: 0, unreadable: 0 });
    } finally {
      await store.close();
    }
    const raw = await backend.raw(location);
    assert.ok(!raw.includes('enc:v1:k1:') && !raw.includes('plain-') && !raw.includes('under-k1-'));

    store = await openEventStore(location, undefined, { cipher: createFieldCipher([k2Key]) });
    try {
      const after = await store.list();
      assert.deepEqual(
        after.map((e) => e.evidence),
        [
          ...Array.from({ length: 7 }, (_, i) => `plain-${i}`),
          ...Array.from({ length: 18 }, (_, i) => `under-k1-${i}`),
          'under-k2',
        ],
      );
    } finally {
      await store.close();
    }
  });

  test('tampered or swapped ciphertext is reported on read, never a crash, and left by rotation', async () => {
    const location = await backend.fresh();
    let store = await openEventStore(location, undefined, { cipher: k1 });
    await store.insert([event(1, 'first'), event(2, 'second'), event(3, 'third')]);
    const rows = await store.list();
    await store.close();
    const sealed = (
      await backend.exec(location, `SELECT evidence FROM ${backend.eventRows} ORDER BY id`, [])
    ).map((r) => r.evidence as string);
    const s1 = sealed[0] as string;
    // flip one base64 character inside the ciphertext of row 1
    const at = s1.length - 6;
    const flipped = `${s1.slice(0, at)}${s1[at] === 'A' ? 'B' : 'A'}${s1.slice(at + 1)}`;
    await backend.exec(
      location,
      `UPDATE ${backend.eventRows} SET evidence = ${backend.p(1)} WHERE id = ${backend.p(2)}`,
      [flipped, rows[0]?.id as number],
    );
    // move row 2's sealed value to row 3: valid ciphertext, wrong row
    await backend.exec(
      location,
      `UPDATE ${backend.eventRows} SET evidence = ${backend.p(1)} WHERE id = ${backend.p(2)}`,
      [sealed[1] as string, rows[2]?.id as number],
    );
    store = await openEventStore(location, undefined, { cipher: k1 });
    try {
      const read = await store.list();
      assert.equal(read[0]?.evidence, null);
      assert.equal(read[0]?.evidenceUnreadable, 'tampered');
      assert.equal(read[1]?.evidence, 'second');
      assert.equal(read[2]?.evidence, null);
      assert.equal(read[2]?.evidenceUnreadable, 'tampered');
    } finally {
      await store.close();
    }
    store = await openEventStore(location, undefined, { cipher: createFieldCipher([k2Key, k1Key]) });
    try {
      assert.deepEqual(await store.reseal(100), { scanned: 3, resealed: 1, unreadable: 2 });
    } finally {
      await store.close();
    }
    // without any key, sealed values are reported as such
    store = await openEventStore(location);
    try {
      assert.deepEqual(
        (await store.list()).map((e) => e.evidenceUnreadable),
        ['no-key', 'no-key', 'no-key'],
      );
    } finally {
      await store.close();
    }
  });

  test('imported findings are sealed too, survive a rotation, and a tampered import is skipped', async () => {
    const marker = `MARKER-${randomBytes(8).toString('hex')}`;
    const location = await backend.fresh();
    const finding = {
      tool: 'scan' as const,
      rule: 'jwt-weak-secret',
      title: 'Weak JWT secret',
      severity: 'critical' as const,
      category: 'API2',
      location: 'GET /users/{id}',
      message: `secret s*******3 forged a token for ${marker}`,
      remediation: null,
    };
    let store = await openFindingsStore(location, '.', { cipher: k1 });
    await store.add({ tool: 'scan', source: 'a.json', findings: [finding] }, 1);
    await store.add({ tool: 'scan', source: 'b.json', findings: [{ ...finding, rule: 'bola' }] }, 2);
    await store.close();
    const raw = await backend.raw(location);
    assert.ok(!raw.includes(marker) && raw.includes('enc:v1:k1:'));
    store = await openFindingsStore(location, '.', { cipher: createFieldCipher([k2Key, k1Key]) });
    try {
      assert.equal((await store.list()).findings.length, 2);
      assert.deepEqual(await store.reseal(1), { scanned: 2, resealed: 2, unreadable: 0 });
    } finally {
      await store.close();
    }
    await backend.exec(
      location,
      `UPDATE finding_imports SET data = ${backend.p(1)} WHERE source = ${backend.p(2)}`,
      [`enc:v1:k2:${'A'.repeat(40)}`, 'b.json'],
    );
    store = await openFindingsStore(location, '.', { cipher: createFieldCipher([k2Key]) });
    try {
      const { findings } = await store.list();
      assert.deepEqual(
        findings.map((f) => [f.rule, f.message]),
        [['jwt-weak-secret', finding.message]],
      );
    } finally {
      await store.close();
    }
  });

  test('inventory rows: rotation re-encrypts them, tampering skips the row and reports it', async () => {
    const location = await backend.fresh();
    const inv = new Inventory();
    for (const p of ['/a', '/b', '/c']) inv.observe({ time: 1, method: 'GET', path: p, status: 200 });
    let store = await openInventoryStore(location, undefined, { cipher: k1 });
    await store.save(inv.endpoints());
    await store.close();
    const rolled = createFieldCipher([k2Key, k1Key]);
    store = await openInventoryStore(location, undefined, { cipher: rolled });
    try {
      assert.deepEqual(await store.reseal(2), { scanned: 3, resealed: 3, unreadable: 0 });
    } finally {
      await store.close();
    }
    await backend.exec(
      location,
      `UPDATE api_inventory SET data = ${backend.p(1)} WHERE path = ${backend.p(2)}`,
      ['enc:v1:k2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '/b'],
    );
    const unreadable: string[] = [];
    store = await openInventoryStore(location, undefined, {
      cipher: createFieldCipher([k2Key]),
      onUnreadable: (r) => unreadable.push(r),
    });
    try {
      assert.deepEqual(
        (await store.load()).map((e) => e.path),
        ['/a', '/c'],
      );
      assert.deepEqual(unreadable, ['tampered']);
    } finally {
      await store.close();
    }
  });
}

describe('SQLite: data at rest', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  suite({
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'rampart-at-rest-'));
      dirs.push(dir);
      return join(dir, 'events.db');
    },
    async raw(file) {
      // the database file and its write-ahead log, as bytes on disk
      const parts = [file, `${file}-wal`]
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f).toString('latin1'));
      return parts.join('\n');
    },
    async exec(file, sql, params) {
      const db = new DatabaseSync(file);
      try {
        return db.prepare(sql).all(...params) as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    p: () => '?',
    eventRows: 'security_event_log',
  });
});

const pgs = await pgSchema();
describe('PostgreSQL: data at rest', { skip: 'skip' in pgs ? pgs.skip : false }, () => {
  if ('skip' in pgs) return;
  let n = 0;
  const schemas: string[] = [];
  after(async () => {
    for (const s of schemas) await dropSchema(s);
  });
  const schemaOf = (url: string) => new URL(url).searchParams.get('schema') as string;
  const withClient = async <T>(schema: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${schema}`);
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  suite({
    async fresh() {
      const schema = `${pgs.schema}_${n++}`;
      schemas.push(schema);
      return `${PG_URL}?schema=${schema}`;
    },
    async raw(url) {
      return withClient(schemaOf(url), async (c) => {
        // rows ordered by id so the tamper test can pair them with the store's ids
        const e = await c.query('SELECT * FROM security_events ORDER BY id').catch(() => ({ rows: [] }));
        const i = await c.query('SELECT * FROM api_inventory').catch(() => ({ rows: [] }));
        const f = await c.query('SELECT * FROM finding_imports').catch(() => ({ rows: [] }));
        return JSON.stringify([e.rows, i.rows, f.rows]);
      });
    },
    async exec(url, sql, params) {
      return withClient(schemaOf(url), async (c) => (await c.query(sql, params)).rows);
    },
    p: (i) => `$${i}`,
    eventRows: 'security_events',
  });
});
