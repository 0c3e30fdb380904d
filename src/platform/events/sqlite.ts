import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type AtRest, type ResealResult, sealField } from '../../store/field-cipher.ts';

import {
  AGGREGATE_COLUMNS,
  aggregateFromRows,
  aggregateSeriesSql,
  aggregateTopSql,
  EVENT_COLUMNS,
  type EventRow,
  eventFromRow,
  eventQuerySql,
  evidenceAad,
} from './rows.ts';
import type { EventQuery, EventStore, SecurityEvent } from './types.ts';

// The layout is for writing: a gateway under attack writes an event per request, and every column,
// bound value and index of a row is paid on that path.
// - An event's type (method, declared route, category, code, severity, action, status) comes from
//   closed sets and repeats on almost every row: stored once in security_event_types, referenced by
//   id. The client's path of an unrouted request, an open set, stays in the row (`path`).
// - No index on `time`: each written batch records its id span and time range in
//   security_event_spans, and a time bound becomes an id bound through it (exact, see sinceFloor).
//   Retention keeps only the spans that straddle its bound, so the spans' min_time index stays small.
//   An index entry per row cost about as much as the rest of the row's B-tree work.
// - No AUTOINCREMENT: ids are cursors and must never come again, which the spans also guarantee
//   (the newest span is kept, and a batch starts after it).
// Measured alone (valgrind, a loop writing batches of events): 13.5k instructions per row in the
// previous layout, 9.4k in this one.
// Readers see the wide shape through the security_events view, which the SQL shared with
// PostgreSQL (rows.ts) queries unchanged.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS security_event_types (
  id INTEGER PRIMARY KEY,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  category TEXT NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL,
  action TEXT NOT NULL,
  status INTEGER NOT NULL,
  UNIQUE (method, route, category, code, severity, action, status)
);
CREATE TABLE IF NOT EXISTS security_event_log (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  consumer TEXT,
  ip TEXT NOT NULL,
  path TEXT,
  -- no REFERENCES: node:sqlite enforces foreign keys, which costs a cursor on the types table per
  -- row; the type is upserted in the row's own transaction, so it always exists
  type INTEGER NOT NULL,
  evidence TEXT
);
CREATE TABLE IF NOT EXISTS security_event_spans (
  first_id INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  min_time INTEGER NOT NULL,
  max_time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS security_event_spans_max_time ON security_event_spans(max_time, first_id);
CREATE INDEX IF NOT EXISTS security_event_spans_min_time ON security_event_spans(min_time, last_id);
CREATE VIEW IF NOT EXISTS security_events AS
  SELECT r.id AS id, r.time AS time, r.request_id AS request_id, r.consumer AS consumer, r.ip AS ip,
    t.method AS method, COALESCE(r.path, t.route) AS route, t.category AS category, t.code AS code,
    t.severity AS severity, t.action AS action, t.status AS status, r.evidence AS evidence
  FROM security_event_log r JOIN security_event_types t ON t.id = r.type;
`;

// The layout of the previous version (kinds without status, rows with AUTOINCREMENT and a time
// index): the step the one-table layout of the version before goes through.
const KINDS_SCHEMA = `
CREATE TABLE security_event_kinds (
  id INTEGER PRIMARY KEY,
  method TEXT NOT NULL,
  category TEXT NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL,
  action TEXT NOT NULL,
  UNIQUE (method, category, code, severity, action)
);
CREATE TABLE security_event_rows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  consumer TEXT,
  ip TEXT NOT NULL,
  route TEXT NOT NULL,
  kind INTEGER NOT NULL REFERENCES security_event_kinds(id),
  status INTEGER NOT NULL,
  evidence TEXT
);
`;

// The one-table layout, moved into the kinds layout.
const FROM_WIDE_TABLE = `
INSERT OR IGNORE INTO security_event_kinds (method, category, code, severity, action)
  SELECT DISTINCT method, category, code, severity, action FROM security_events_wide;
INSERT INTO security_event_rows (id, time, request_id, consumer, ip, route, kind, status, evidence)
  SELECT e.id, e.time, e.request_id, e.consumer, e.ip, e.route, k.id, e.status, e.evidence
  FROM security_events_wide e JOIN security_event_kinds k
    ON k.method = e.method AND k.category = e.category AND k.code = e.code
      AND k.severity = e.severity AND k.action = e.action;
-- ids are cursors: none handed out before (even of a row since deleted) may come again
DELETE FROM sqlite_sequence WHERE name = 'security_event_rows';
INSERT INTO sqlite_sequence (name, seq) SELECT 'security_event_rows', MAX(
  COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'security_events_wide'), 0),
  COALESCE((SELECT MAX(id) FROM security_event_rows), 0));
DROP TABLE security_events_wide;
`;

// The kinds layout, moved into the current one. Its routes go to the rows' path (whether one was a
// declared route is not known), its ids are kept, and spans of at most 4,096 ids are computed; the
// AUTOINCREMENT mark becomes an empty span, so no id it handed out comes again.
const FROM_KINDS = `
INSERT OR IGNORE INTO security_event_types (method, route, category, code, severity, action, status)
  SELECT DISTINCT k.method, '', k.category, k.code, k.severity, k.action, r.status
  FROM security_event_rows r JOIN security_event_kinds k ON k.id = r.kind;
INSERT INTO security_event_log (id, time, request_id, consumer, ip, path, type, evidence)
  SELECT r.id, r.time, r.request_id, r.consumer, r.ip, r.route, t.id, r.evidence
  FROM security_event_rows r JOIN security_event_kinds k ON k.id = r.kind
    JOIN security_event_types t ON t.method = k.method AND t.route = '' AND t.category = k.category
      AND t.code = k.code AND t.severity = k.severity AND t.action = k.action AND t.status = r.status;
INSERT INTO security_event_spans (first_id, last_id, min_time, max_time)
  SELECT MIN(id), MAX(id), MIN(time), MAX(time) FROM security_event_log GROUP BY id / 4096;
INSERT INTO security_event_spans (first_id, last_id, min_time, max_time)
  SELECT seq, seq, 0, 0 FROM sqlite_sequence
  WHERE name = 'security_event_rows' AND seq > COALESCE((SELECT MAX(id) FROM security_event_log), 0);
DROP TABLE security_event_rows;
DROP TABLE security_event_kinds;
DELETE FROM sqlite_sequence WHERE name = 'security_event_rows';
`;

/** Columns of security_event_log written per event, in insert order. */
const ROW_COLUMNS = 'time, request_id, consumer, ip, path, type, evidence';
const ROW_COLUMN_COUNT = 7;
/** The columns of a row without consumer, path and evidence. */
const BARE_COLUMNS = 'time, request_id, ip, type';
const BARE_COLUMN_COUNT = 4;

/** Rows per multi-row INSERT (7 columns each: far below SQLite's 32,766 parameters). */
const ROWS_PER_INSERT = 16;

/** Types remembered in memory; past it the map starts over (declared routes × codes: rarely reached). */
const MAX_TYPES = 16_384;

/** The placeholders of one row of `n` values: `(?, ?, …)`. */
function marks(n: number): string {
  return `(${Array(n).fill('?').join(', ')})`;
}

/** The largest id SQLite hands out: the floor of a time no event has reached. */
const NO_ID = '9223372036854775807';

/**
 * The condition on `id` that a time bound `p` implies: a row at or after it lies in a span whose
 * newest event is at or after it, so its id is at least that span's first. Exact whatever the order
 * of times across batches and processes; with the span index, O(log n).
 */
export function sinceFloor(p: string): string {
  return `id >= ${firstIdSince(p)}`;
}

/** The first id of the oldest span with an event at or after the time in `p` (past every id if none). */
function firstIdSince(p: string): string {
  // pinned to the index: SQLite would otherwise walk the spans from the oldest, for MIN's sake
  return `(SELECT COALESCE(MIN(first_id), ${NO_ID}) FROM security_event_spans INDEXED BY security_event_spans_max_time WHERE max_time >= ${p})`;
}

/**
 * Bring a file written by an earlier version (the one-table or the kinds layout) to the current
 * layout, ids kept, in one transaction; a file already there, or new, is left as it is.
 */
function migrate(db: DatabaseSync): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const type = (name: string) =>
      (db.prepare('SELECT type FROM sqlite_master WHERE name = ?').get(name) as { type: string } | undefined)
        ?.type;
    if (type('security_events') === 'table') {
      db.exec('ALTER TABLE security_events RENAME TO security_events_wide');
      db.exec('DROP INDEX IF EXISTS security_events_time');
      db.exec(KINDS_SCHEMA);
      db.exec(FROM_WIDE_TABLE);
    }
    if (type('security_event_rows') === 'table') {
      db.exec('DROP VIEW IF EXISTS security_events');
      db.exec('DROP INDEX IF EXISTS security_event_rows_time');
      db.exec(SCHEMA);
      db.exec(FROM_KINDS);
    } else {
      db.exec(SCHEMA);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * The id of an event's type, from memory or the table (added there when new). Consecutive events
 * mostly share a type, so the last one is compared first, field by field, before any key is built.
 * Must run inside the insert's transaction: a new type commits or rolls back with its rows.
 */
function typeTable(db: DatabaseSync): { id(e: SecurityEvent, route: string): number; forget(): void } {
  // one statement whether the type is new or another process added it first: the no-op update makes
  // RETURNING answer for an existing row too
  const upsert = db.prepare(
    `INSERT INTO security_event_types (method, route, category, code, severity, action, status) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (method, route, category, code, severity, action, status) DO UPDATE SET method = excluded.method RETURNING id`,
  );
  const ids = new Map<string, number>();
  let last: SecurityEvent | undefined;
  let lastRoute = '';
  let lastId = 0;
  const forget = (): void => {
    ids.clear();
    last = undefined;
  };
  const id = (e: SecurityEvent, route: string): number => {
    if (
      last !== undefined &&
      e.code === last.code &&
      e.status === last.status &&
      route === lastRoute &&
      e.action === last.action &&
      e.method === last.method &&
      e.severity === last.severity &&
      e.category === last.category
    )
      return lastId;
    // NUL cannot occur in any of these (a method is a token, a route id and the rest are Rampart's names)
    const key = `${e.method}\u0000${route}\u0000${e.category}\u0000${e.code}\u0000${e.severity}\u0000${e.action}\u0000${e.status}`;
    let found = ids.get(key);
    if (found === undefined) {
      const row = upsert.get(e.method, route, e.category, e.code, e.severity, e.action, e.status) as {
        id: number;
      };
      found = Number(row.id);
      if (ids.size >= MAX_TYPES) ids.clear();
      ids.set(key, found);
    }
    last = e;
    lastRoute = route;
    lastId = found;
    return found;
  };
  return { id, forget };
}

/**
 * Open (and create if needed) the SQLite event store at `file`; `:memory:` for a throwaway one.
 * With `atRest.cipher`, evidence is encrypted before it reaches the file.
 */
export function openSqliteEventStore(file: string, atRest?: AtRest): EventStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  // secure_delete: freed space is zeroed, so neither plaintext nor retired ciphertext lingers in the file
  // synchronous = NORMAL: in WAL mode a commit no longer waits for fsync (the log is synced at each
  // checkpoint), so a batch never stalls the event loop on the disk; a crash of the process loses
  // nothing committed, a power cut at most the last batches.
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;',
  );
  migrate(db);
  const row = marks(ROW_COLUMN_COUNT);
  const insert = db.prepare(`INSERT INTO security_event_log (${ROW_COLUMNS}) VALUES ${row}`);
  // rows go in groups of ROWS_PER_INSERT, one statement each: measured, about half the CPU per row of one statement per row
  const insertMany = db.prepare(
    `INSERT INTO security_event_log (${ROW_COLUMNS}) VALUES ${Array(ROWS_PER_INSERT).fill(row).join(', ')}`,
  );
  // a group of events without consumer, path or evidence (a flood of anonymous refusals) leaves the
  // three NULLs to the columns' default: measured, ≈ 0.6k fewer instructions per row than binding them
  const insertBare = db.prepare(
    `INSERT INTO security_event_log (${BARE_COLUMNS}) VALUES ${Array(ROWS_PER_INSERT).fill(marks(BARE_COLUMN_COUNT)).join(', ')}`,
  );
  const insertAt = db.prepare(
    `INSERT INTO security_event_log (id, ${ROW_COLUMNS}) VALUES ${marks(ROW_COLUMN_COUNT + 1)}`,
  );
  // the newest id in use and the newest ever handed out (the newest span is never deleted)
  const newest = db.prepare(
    'SELECT (SELECT MAX(id) FROM security_event_log) AS row, (SELECT MAX(last_id) FROM security_event_spans) AS span',
  );
  const addSpan = db.prepare(
    'INSERT INTO security_event_spans (first_id, last_id, min_time, max_time) VALUES (?, ?, ?, ?)',
  );
  // one array for every group's parameters, filled in place
  const manyValues: (string | number | null)[] = new Array(ROWS_PER_INSERT * ROW_COLUMN_COUNT).fill(null);
  const bareValues: (string | number)[] = new Array(ROWS_PER_INSERT * BARE_COLUMN_COUNT).fill(0);
  const types = typeTable(db);
  const writeRow = (out: (string | number | null)[], at: number, e: SecurityEvent): void => {
    const routed = e.routed === true;
    out[at] = e.time;
    out[at + 1] = e.requestId;
    out[at + 2] = e.consumer;
    out[at + 3] = e.ip;
    out[at + 4] = routed ? null : e.route;
    out[at + 5] = types.id(e, routed ? e.route : '');
    out[at + 6] = e.evidence === null ? null : sealField(atRest, e.evidence, evidenceAad(e.requestId));
  };
  /**
   * Fill the parameters of the group of ROWS_PER_INSERT events at `k`: the narrow statement's when
   * none has a consumer, a path or evidence (true), else the full one's. A function of its own, so
   * that the JIT compiles it: the insert around it runs once per batch and stays in the interpreter.
   */
  const writeGroup = (events: readonly SecurityEvent[], k: number): boolean => {
    let bare = true;
    for (let j = 0; j < ROWS_PER_INSERT && bare; j++) {
      const e = events[k + j]!;
      bare = e.consumer === null && e.evidence === null && e.routed === true;
    }
    if (!bare) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) writeRow(manyValues, j * ROW_COLUMN_COUNT, events[k + j]!);
      return false;
    }
    for (let j = 0; j < ROWS_PER_INSERT; j++) {
      const e = events[k + j]!;
      const at = j * BARE_COLUMN_COUNT;
      bareValues[at] = e.time;
      bareValues[at + 1] = e.requestId;
      bareValues[at + 2] = e.ip;
      bareValues[at + 3] = types.id(e, e.route);
    }
    return true;
  };
  const count = db.prepare('SELECT COUNT(*) AS n FROM security_event_log');
  // ids are unique, so their range bounds the count from above, in two B-tree descents
  const idRange = db.prepare(
    // two subqueries: SQLite finds a lone MIN or MAX by one descent, but scans for both in one SELECT
    'SELECT COALESCE((SELECT MAX(id) FROM security_event_log) - (SELECT MIN(id) FROM security_event_log) + 1, 0) AS n',
  );
  // by age, in two steps: the rows of spans wholly older than the bound (an id range), then those
  // older than it in the spans that straddle it (their ids, filtered by time)
  const pruneOlderSpans = db.prepare(`DELETE FROM security_event_log WHERE id < ${firstIdSince('?1')}`);
  const pruneStraddling = db.prepare(
    `DELETE FROM security_event_log WHERE ${sinceFloor('?1')}
       AND id <= (SELECT COALESCE(MAX(last_id), -1) FROM security_event_spans INDEXED BY security_event_spans_min_time
         WHERE min_time < ?1) AND time < ?1`,
  );
  // spans whose rows are all gone, but never the newest: it holds the last id handed out
  const pruneSpans = db.prepare(
    `DELETE FROM security_event_spans WHERE first_id < (SELECT MAX(first_id) FROM security_event_spans)
       AND (max_time < ?1 OR last_id < COALESCE((SELECT MIN(id) FROM security_event_log), ${NO_ID}))`,
  );
  const resealBatch = db.prepare(
    'SELECT id, request_id, evidence FROM security_event_log WHERE id > ? AND evidence IS NOT NULL ORDER BY id LIMIT ?',
  );
  // compare-and-set: a row a writer changed meanwhile is left alone
  const resealOne = db.prepare('UPDATE security_event_log SET evidence = ? WHERE id = ? AND evidence = ?');
  // the oldest rows past the cap, found from the old end: the walk is as long as what it deletes,
  // where an OFFSET from the new end walked every row kept (a million, every minute, at the cap)
  const pruneOldest = db.prepare(
    'DELETE FROM security_event_log WHERE id <= (SELECT id FROM security_event_log ORDER BY id ASC LIMIT 1 OFFSET ?)',
  );

  return {
    kind: 'sqlite',
    async insert(events: readonly SecurityEvent[]) {
      if (events.length === 0) return;
      // IMMEDIATE: the newest id read below must still be the newest when the rows go in
      db.exec('BEGIN IMMEDIATE');
      try {
        const top = newest.get() as { row: number | null; span: number | null };
        const after = Math.max(Number(top.row ?? 0), Number(top.span ?? 0));
        let minTime = events[0]!.time;
        let maxTime = minTime;
        for (let i = 1; i < events.length; i++) {
          const t = events[i]!.time;
          if (t < minTime) minTime = t;
          else if (t > maxTime) maxTime = t;
        }
        const one: (string | number | null)[] = new Array(ROW_COLUMN_COUNT);
        let k = 0;
        let lastId = 0;
        // retention emptied the top of the table: SQLite would hand out its ids again, so the
        // batch starts after the newest span explicitly (the rows after it follow on)
        if (Number(top.row ?? 0) < after) {
          writeRow(one, 0, events[0]!);
          lastId = Number(insertAt.run(after + 1, ...one).lastInsertRowid);
          k = 1;
        }
        for (; k + ROWS_PER_INSERT <= events.length; k += ROWS_PER_INSERT) {
          lastId = Number(
            (writeGroup(events, k) ? insertBare.run(...bareValues) : insertMany.run(...manyValues))
              .lastInsertRowid,
          );
        }
        for (; k < events.length; k++) {
          writeRow(one, 0, events[k]!);
          lastId = Number(insert.run(...one).lastInsertRowid);
        }
        // under the write lock the ids are consecutive; anything else would make the span lie
        if (lastId !== after + events.length)
          throw new Error(`event ids ${after + 1}…${lastId} are not the ${events.length} expected`);
        addSpan.run(after + 1, lastId, minTime, maxTime);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        // types added in the batch went with it
        types.forget();
        throw err;
      }
    },
    async list(query: EventQuery = {}) {
      const q = eventQuerySql(query, (n) => `?${n}`, sinceFloor);
      const sql = `SELECT id, ${EVENT_COLUMNS} FROM security_events${q.sql}`;
      return (db.prepare(sql).all(...q.params) as unknown as EventRow[]).map((r) => eventFromRow(r, atRest));
    },
    async aggregate(since, bucketMs) {
      const rows = (sql: string) => db.prepare(sql).all(since) as { k: string; n: number }[];
      return aggregateFromRows(
        AGGREGATE_COLUMNS.map((c) => rows(aggregateTopSql(c, '?1', sinceFloor))),
        rows(aggregateSeriesSql(bucketMs, '?1', sinceFloor)),
      );
    },
    async count() {
      return Number((count.get() as { n: number }).n);
    },
    async prune(before, keep) {
      db.exec('BEGIN IMMEDIATE');
      try {
        let gone = Number(pruneOlderSpans.run(before).changes) + Number(pruneStraddling.run(before).changes);
        // under the cap by the id range: nothing to count. Else COUNT(*), which reads every page of
        // the table (≈ 10 ms a million rows): the log has no narrower index to count instead
        const cap = Math.max(0, Math.floor(keep));
        if (Number((idRange.get() as { n: number }).n) > cap) {
          const excess = Number((count.get() as { n: number }).n) - cap;
          if (excess > 0) gone += Number(pruneOldest.run(excess - 1).changes);
        }
        pruneSpans.run(before);
        db.exec('COMMIT');
        return gone;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async reseal(batchSize, onBatch) {
      const cipher = atRest?.cipher;
      if (cipher === undefined) throw new RangeError('re-encryption needs a data-at-rest key');
      const total: ResealResult = { scanned: 0, resealed: 0, unreadable: 0 };
      let after = 0;
      for (;;) {
        const rows = resealBatch.all(after, batchSize) as unknown as {
          id: number;
          request_id: string;
          evidence: string;
        }[];
        if (rows.length === 0) break;
        db.exec('BEGIN');
        try {
          for (const r of rows) {
            after = Number(r.id);
            total.scanned++;
            if (!cipher.needsReseal(r.evidence)) continue;
            const aad = evidenceAad(r.request_id);
            const opened = cipher.open(r.evidence, aad);
            if (!opened.ok) {
              total.unreadable++;
              continue;
            }
            total.resealed += Number(resealOne.run(cipher.seal(opened.value, aad), r.id, r.evidence).changes);
          }
          db.exec('COMMIT');
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
        onBatch?.({ ...total });
        // let the event loop breathe between batches
        await yieldToLoop();
      }
      // copy the rewritten pages into the file and empty the log, which still holds the old ones
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      return total;
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
