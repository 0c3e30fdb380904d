import type { SecurityEvent, Severity, StoredEvent } from './types.ts';

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

/** The values of one event, in EVENT_COLUMNS order. */
export function eventValues(e: SecurityEvent): (string | number | null)[] {
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
    e.evidence,
  ];
}

/** Turn a row back into an event. */
export function eventFromRow(r: EventRow): StoredEvent {
  return {
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
    evidence: r.evidence,
  };
}
