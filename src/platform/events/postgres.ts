import { openPostgresPool } from '../../store/postgres.ts';

import {
  AGGREGATE_COLUMNS,
  aggregateFromRows,
  aggregateSeriesSql,
  aggregateTopSql,
  EVENT_COLUMNS,
  type EventRow,
  eventFromRow,
  eventQuerySql,
  eventValues,
} from './rows.ts';
import type { EventQuery, EventStore, SecurityEvent } from './types.ts';

const DDL = `
CREATE TABLE IF NOT EXISTS security_events (
  id BIGSERIAL PRIMARY KEY,
  time BIGINT NOT NULL,
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

const COLUMN_COUNT = 12;

/** Open the PostgreSQL event store at a `postgres://` URL (`?schema=name` as for the key store). */
export async function openPostgresEventStore(url: string): Promise<EventStore> {
  const pool = await openPostgresPool(url, DDL, 2);
  return {
    kind: 'postgres',
    async insert(events: readonly SecurityEvent[]) {
      if (events.length === 0) return;
      // one multi-row INSERT per batch: a single round trip, atomic
      const values: (string | number | null)[] = [];
      const rows: string[] = [];
      for (const e of events) {
        const base = values.length;
        values.push(...eventValues(e));
        rows.push(`(${Array.from({ length: COLUMN_COUNT }, (_, i) => `$${base + i + 1}`).join(', ')})`);
      }
      await pool.query(`INSERT INTO security_events (${EVENT_COLUMNS}) VALUES ${rows.join(', ')}`, values);
    },
    async list(query: EventQuery = {}) {
      const q = eventQuerySql(query, (n) => `$${n}`);
      const r = await pool.query<EventRow>(
        `SELECT id, ${EVENT_COLUMNS} FROM security_events${q.sql}`,
        q.params,
      );
      return r.rows.map(eventFromRow);
    },
    async aggregate(since, bucketMs) {
      const rows = async (sql: string) => (await pool.query<{ k: string; n: string }>(sql, [since])).rows;
      const tops = await Promise.all(AGGREGATE_COLUMNS.map((c) => rows(aggregateTopSql(c, '$1'))));
      return aggregateFromRows(tops, await rows(aggregateSeriesSql(bucketMs, '$1')));
    },
    async count() {
      const r = await pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM security_events');
      return Number(r.rows[0]?.n ?? 0);
    },
    async prune(before, keep) {
      const a = await pool.query('DELETE FROM security_events WHERE time < $1', [before]);
      const b = await pool.query(
        'DELETE FROM security_events WHERE id <= (SELECT id FROM security_events ORDER BY id DESC LIMIT 1 OFFSET $1)',
        [Math.max(0, Math.floor(keep))],
      );
      return (a.rowCount ?? 0) + (b.rowCount ?? 0);
    },
    async close() {
      await pool.end();
    },
  };
}
