import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AtRest, ResealResult } from '../../store/field-cipher.ts';

import {
  AGGREGATE_COLUMNS,
  aggregateFromRows,
  aggregateSeriesSql,
  aggregateTopSql,
  EVENT_COLUMN_COUNT,
  EVENT_COLUMNS,
  type EventRow,
  eventFromRow,
  eventQuerySql,
  eventValues,
  evidenceAad,
  writeEventValues,
} from './rows.ts';
import type { EventQuery, EventStore, SecurityEvent } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS security_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  consumer TEXT,
  ip TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  category TEXT NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL,
  action TEXT NOT NULL,
  status INTEGER NOT NULL,
  evidence TEXT
);
CREATE INDEX IF NOT EXISTS security_events_time ON security_events(time);
`;

/** Rows per multi-row INSERT (12 columns each: far below SQLite's 32,766 parameters). */
const ROWS_PER_INSERT = 16;

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
  db.exec(SCHEMA);
  const row = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  const insert = db.prepare(`INSERT INTO security_events (${EVENT_COLUMNS}) VALUES ${row}`);
  // rows go in groups of ROWS_PER_INSERT, one statement each: measured, about half the CPU per row of one statement per row
  const insertMany = db.prepare(
    `INSERT INTO security_events (${EVENT_COLUMNS}) VALUES ${Array(ROWS_PER_INSERT).fill(row).join(', ')}`,
  );
  // one array for every group's parameters, filled in place
  const manyValues: (string | number | null)[] = new Array(ROWS_PER_INSERT * EVENT_COLUMN_COUNT).fill(null);
  const count = db.prepare('SELECT COUNT(*) AS n FROM security_events');
  const pruneAge = db.prepare('DELETE FROM security_events WHERE time < ?');
  const resealBatch = db.prepare(
    'SELECT id, request_id, evidence FROM security_events WHERE id > ? AND evidence IS NOT NULL ORDER BY id LIMIT ?',
  );
  // compare-and-set: a row a writer changed meanwhile is left alone
  const resealOne = db.prepare('UPDATE security_events SET evidence = ? WHERE id = ? AND evidence = ?');
  const pruneCount = db.prepare(
    'DELETE FROM security_events WHERE id <= (SELECT id FROM security_events ORDER BY id DESC LIMIT 1 OFFSET ?)',
  );

  return {
    kind: 'sqlite',
    async insert(events: readonly SecurityEvent[]) {
      if (events.length === 0) return;
      db.exec('BEGIN');
      try {
        let k = 0;
        for (; k + ROWS_PER_INSERT <= events.length; k += ROWS_PER_INSERT) {
          for (let j = 0; j < ROWS_PER_INSERT; j++)
            writeEventValues(manyValues, j * EVENT_COLUMN_COUNT, events[k + j]!, atRest);
          insertMany.run(...manyValues);
        }
        for (; k < events.length; k++) insert.run(...eventValues(events[k]!, atRest));
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async list(query: EventQuery = {}) {
      const q = eventQuerySql(query, () => '?');
      const sql = `SELECT id, ${EVENT_COLUMNS} FROM security_events${q.sql}`;
      return (db.prepare(sql).all(...q.params) as unknown as EventRow[]).map((r) => eventFromRow(r, atRest));
    },
    async aggregate(since, bucketMs) {
      const rows = (sql: string) => db.prepare(sql).all(since) as { k: string; n: number }[];
      return aggregateFromRows(
        AGGREGATE_COLUMNS.map((c) => rows(aggregateTopSql(c, '?'))),
        rows(aggregateSeriesSql(bucketMs, '?')),
      );
    },
    async count() {
      return Number((count.get() as { n: number }).n);
    },
    async prune(before, keep) {
      let gone = Number(pruneAge.run(before).changes);
      gone += Number(pruneCount.run(Math.max(0, Math.floor(keep))).changes);
      return gone;
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
