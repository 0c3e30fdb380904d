import type { AtRest, ResealResult } from '../../store/field-cipher.ts';
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
  evidenceAad,
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

/**
 * Open the PostgreSQL event store at a `postgres://` URL (`?schema=name` as for the key store).
 * With `atRest.cipher`, evidence is encrypted before it is sent to the server.
 */
export async function openPostgresEventStore(url: string, atRest?: AtRest): Promise<EventStore> {
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
        values.push(...eventValues(e, atRest));
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
      return r.rows.map((row) => eventFromRow(row, atRest));
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
      const cap = Math.max(0, Math.floor(keep));
      // ids are unique, so their range bounds the count: two index descents, and at or under the
      // cap the OFFSET below (a walk over every row kept) is not run
      const range = await pool.query<{ n: string | null }>(
        'SELECT (SELECT MAX(id) FROM security_events) - (SELECT MIN(id) FROM security_events) + 1 AS n',
      );
      if (Number(range.rows[0]?.n ?? 0) <= cap) return a.rowCount ?? 0;
      const b = await pool.query(
        'DELETE FROM security_events WHERE id <= (SELECT id FROM security_events ORDER BY id DESC LIMIT 1 OFFSET $1)',
        [cap],
      );
      return (a.rowCount ?? 0) + (b.rowCount ?? 0);
    },
    async reseal(batchSize, onBatch) {
      const cipher = atRest?.cipher;
      if (cipher === undefined) throw new RangeError('re-encryption needs a data-at-rest key');
      const total: ResealResult = { scanned: 0, resealed: 0, unreadable: 0 };
      let after = '0';
      for (;;) {
        const r = await pool.query<{ id: string; request_id: string; evidence: string }>(
          'SELECT id, request_id, evidence FROM security_events WHERE id > $1 AND evidence IS NOT NULL ORDER BY id LIMIT $2',
          [after, batchSize],
        );
        if (r.rows.length === 0) break;
        const ids: string[] = [];
        const sealed: string[] = [];
        const old: string[] = [];
        for (const row of r.rows) {
          after = String(row.id);
          total.scanned++;
          if (!cipher.needsReseal(row.evidence)) continue;
          const aad = evidenceAad(row.request_id);
          const opened = cipher.open(row.evidence, aad);
          if (!opened.ok) {
            total.unreadable++;
            continue;
          }
          ids.push(String(row.id));
          sealed.push(cipher.seal(opened.value, aad));
          old.push(row.evidence);
        }
        if (ids.length > 0) {
          // one atomic statement per batch; compare-and-set leaves rows a writer changed meanwhile
          const u = await pool.query(
            `UPDATE security_events AS s SET evidence = v.sealed
             FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, sealed, old)
             WHERE s.id = v.id AND s.evidence = v.old`,
            [ids, sealed, old],
          );
          total.resealed += u.rowCount ?? 0;
        }
        onBatch?.({ ...total });
      }
      return total;
    },
    async close() {
      await pool.end();
    },
  };
}
