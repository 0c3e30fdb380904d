import type { ApiKeyRecord, Consumer } from './types.ts';

/** A row of the api_keys table, as both drivers return it (Postgres BIGINT arrives as a string). */
export interface KeyRow {
  id: string;
  consumer_id: string;
  hash: string;
  prefix: string;
  name: string | null;
  created_at: number | string | bigint;
  expires_at: number | string | bigint | null;
  revoked_at: number | string | bigint | null;
  last_used_at: number | string | bigint | null;
  rotated_from: string | null;
}

/** A row of the consumers table. */
export interface ConsumerRow {
  id: string;
  roles: string;
  scopes: string;
  created_at: number | string | bigint;
}

const num = (v: number | string | bigint): number => Number(v);
const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

/** Decode a JSON array of strings written by this module; anything else reads as empty. */
export function stringList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Row → ApiKeyRecord. */
export function keyFromRow(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    consumerId: r.consumer_id,
    hash: r.hash,
    prefix: r.prefix,
    name: r.name,
    createdAt: num(r.created_at),
    expiresAt: numOrNull(r.expires_at),
    revokedAt: numOrNull(r.revoked_at),
    lastUsedAt: numOrNull(r.last_used_at),
    rotatedFrom: r.rotated_from,
  };
}

/** Row → Consumer. */
export function consumerFromRow(r: ConsumerRow): Consumer {
  return { id: r.id, roles: stringList(r.roles), scopes: stringList(r.scopes), createdAt: num(r.created_at) };
}

/** ApiKeyRecord → the column values, in the INSERT order both drivers use. */
export function keyValues(k: ApiKeyRecord): (string | number | null)[] {
  return [
    k.id,
    k.consumerId,
    k.hash,
    k.prefix,
    k.name,
    k.createdAt,
    k.expiresAt,
    k.revokedAt,
    k.lastUsedAt,
    k.rotatedFrom,
  ];
}

/** The largest page a listing returns. */
export const MAX_LIST = 10_000;
