import { type AtRest, openField, sealField } from '../../store/field-cipher.ts';
import {
  AGGREGATE_TOP,
  type EventAggregate,
  type EventQuery,
  MAX_EVENT_LIST,
  type SecurityEvent,
  type Severity,
  type StoredEvent,
} from './types.ts';

/** The AAD of an event's evidence: binds the sealed value to its column and its request. */
export function evidenceAad(requestId: string): string {
  return `rampart:security_events.evidence:${requestId}`;
}

/** Columns of the events table, in insert order. */
export const EVENT_COLUMNS =
  'time, request_id, consumer, ip, method, route, category, code, severity, action, status, evidence';

/** A row as both drivers return it (Postgres BIGINT comes back as a string). */
export interface EventRow {
  id: number | string;
  time: number | string;
  request_id: string;
  consumer: string | null;
  ip: string;
  method: string;
  route: string;
  category: string;
  code: string;
  severity: string;
  action: string;
  status: number | string;
  evidence: string | null;
}

/** The values of one event, in EVENT_COLUMNS order; the evidence sealed when a key is configured. */
export function eventValues(e: SecurityEvent, atRest?: AtRest): (string | number | null)[] {
  return [
    e.time,
    e.requestId,
    e.consumer,
    e.ip,
    e.method,
    e.route,
    e.category,
    e.code,
    e.severity,
    e.action,
    e.status,
    sealField(atRest, e.evidence, evidenceAad(e.requestId)),
  ];
}

/** Turn a row back into an event; evidence that cannot be opened is null, with the reason. */
export function eventFromRow(r: EventRow, atRest?: AtRest): StoredEvent {
  const opened = openField(atRest, r.evidence, evidenceAad(r.request_id));
  const event: StoredEvent = {
    id: Number(r.id),
    time: Number(r.time),
    requestId: r.request_id,
    consumer: r.consumer,
    ip: r.ip,
    method: r.method,
    route: r.route,
    category: r.category,
    code: r.code,
    severity: r.severity as Severity,
    action: r.action as StoredEvent['action'],
    status: Number(r.status),
    evidence: opened === null || !opened.ok ? null : opened.value,
  };
  return opened === null || opened.ok ? event : { ...event, evidenceUnreadable: opened.reason };
}

/**
 * The condition "at or after the time in placeholder `p`". A store without an index on `time`
 * passes `floor`, which adds a condition on `id` that finds the same rows without a full scan.
 */
export function sinceSql(p: string, floor?: (p: string) => string): string {
  return floor === undefined ? `time >= ${p}` : `${floor(p)} AND time >= ${p}`;
}

/**
 * The WHERE, ORDER and LIMIT of an event query for either driver: `mark(n)` renders the n-th
 * placeholder (`?n` for SQLite, `$n` for PostgreSQL), which may appear more than once. Values are
 * always bound, never inlined.
 */
export function eventQuerySql(
  query: EventQuery,
  mark: (n: number) => string,
  floor?: (p: string) => string,
): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (column: string, op: string, v: string | number) => {
    params.push(v);
    where.push(`${column} ${op} ${mark(params.length)}`);
  };
  if (query.since !== undefined) {
    params.push(query.since);
    where.push(sinceSql(mark(params.length), floor));
  }
  if (query.after !== undefined) add('id', '>', query.after);
  if (query.before !== undefined) add('id', '<', query.before);
  if (query.category !== undefined) add('category', '=', query.category);
  else if (query.categories !== undefined && query.categories.length > 0) {
    const marks = query.categories.slice(0, 16).map((c) => {
      params.push(c);
      return mark(params.length);
    });
    where.push(`category IN (${marks.join(', ')})`);
  }
  if (query.consumer !== undefined) add('consumer', '=', query.consumer);
  if (query.severity !== undefined) add('severity', '=', query.severity);
  if (query.ip !== undefined) add('ip', '=', query.ip);
  if (query.route !== undefined) add('route', '=', query.route);
  params.push(Math.max(1, Math.min(query.limit ?? MAX_EVENT_LIST, MAX_EVENT_LIST)));
  const order = query.order === 'desc' ? 'DESC' : 'ASC';
  return {
    sql: `${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY id ${order} LIMIT ${mark(params.length)}`,
    params,
  };
}

/** The grouped columns of an aggregate: the overview's top lists. */
export const AGGREGATE_COLUMNS = ['category', 'route', 'ip'] as const;

/** SQL of one top list of refusals since the first placeholder `p` (`?1` or `$1`). */
export function aggregateTopSql(
  column: (typeof AGGREGATE_COLUMNS)[number],
  p: string,
  floor?: (p: string) => string,
): string {
  return `SELECT ${column} AS k, COUNT(*) AS n FROM security_events WHERE ${sinceSql(p, floor)} AND action = 'refuse' GROUP BY ${column} ORDER BY n DESC, k LIMIT ${AGGREGATE_TOP}`;
}

/** SQL of refusals per time bucket since the first placeholder `p`. */
export function aggregateSeriesSql(bucketMs: number, p: string, floor?: (p: string) => string): string {
  const b = Math.max(1, Math.floor(bucketMs));
  return `SELECT (time / ${b}) * ${b} AS k, COUNT(*) AS n FROM security_events WHERE ${sinceSql(p, floor)} AND action = 'refuse' GROUP BY k ORDER BY k`;
}

type CountRow = { k: string | number; n: string | number };

/** Assemble an aggregate from the rows of the three top lists and the series, as either driver returns them. */
export function aggregateFromRows(
  tops: readonly (readonly CountRow[])[],
  series: readonly CountRow[],
): EventAggregate {
  const pairs = (rows: readonly CountRow[] | undefined) =>
    (rows ?? []).map((r) => [String(r.k), Number(r.n)] as const);
  const s = series.map((r) => [Number(r.k), Number(r.n)] as const);
  return {
    refused: s.reduce((sum, [, n]) => sum + n, 0),
    byCategory: pairs(tops[0]),
    topRoutes: pairs(tops[1]),
    topClients: pairs(tops[2]).map(([k, n]) => [`ip:${k}`, n] as const),
    series: s,
  };
}
