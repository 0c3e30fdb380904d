import type { Duplex } from 'node:stream';
import pg from 'pg';
import { attachGuarded, MalformedReplyError } from '../util/guard-parser.ts';
import { type ConsumerRow, consumerFromRow, type KeyRow, keyFromRow, keyValues, MAX_LIST } from './rows.ts';
import type { ApiKeyRecord, ApiKeyWithConsumer, Consumer, Store } from './types.ts';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const DDL = `
CREATE TABLE IF NOT EXISTS consumers (
  id TEXT PRIMARY KEY,
  roles TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  consumer_id TEXT NOT NULL REFERENCES consumers(id),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  last_used_at BIGINT,
  rotated_from TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_consumer ON api_keys(consumer_id);
`;

const KEY_COLUMNS =
  'k.id, k.consumer_id, k.hash, k.prefix, k.name, k.created_at, k.expires_at, k.revoked_at, k.last_used_at, k.rotated_from';

/** How long a query may wait for its answer (pg's `query_timeout`). */
const QUERY_TIMEOUT_MS = 30_000;

/** The code a connection error carries when PostgreSQL sent a message pg could not read. */
const MALFORMED_MESSAGE = 'ERR_STORE_MALFORMED_MESSAGE';

/**
 * A pg client whose protocol parser cannot end the process (guard-parser.ts): a message it cannot
 * read drops the connection, and the query waiting on it fails.
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // pg attaches its parser when the socket connects, and again after a TLS upgrade
    const connection = this.connection as unknown as { attachListeners(stream: Duplex): void };
    const attach = connection.attachListeners.bind(connection);
    connection.attachListeners = (stream) =>
      attachGuarded(
        stream,
        () => attach(stream),
        (err) => new MalformedReplyError('PostgreSQL server', MALFORMED_MESSAGE, err),
      );
  }
}

/** Thrown for a malformed store URL; names the problem, never the password. */
export class StoreUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUrlError';
  }
}

/**
 * A pg pool for a `postgres://` URL whose tables `ddl` creates. A `schema=<name>` query parameter
 * puts them in that schema (created if missing), so that tests and tenants can share one database.
 * Every Rampart table set (keys, events, inventory) opens its pool through here.
 */
export async function openPostgresPool(
  url: string,
  ddl: string,
  max: number,
  queryTimeoutMs = QUERY_TIMEOUT_MS,
): Promise<pg.Pool> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreUrlError('invalid PostgreSQL URL');
  }
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new StoreUrlError('schema must be a lower-case SQL identifier');
  }
  const pool = new pg.Pool({
    Client: GuardedClient as unknown as new () => pg.ClientBase,
    connectionString: parsed.toString(),
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    // a server that takes a query and never answers must fail it, not hold its caller for ever;
    // the pool then drops that client. Long enough for a prune of a large events table
    query_timeout: queryTimeoutMs,
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
  });
  // an idle client losing its connection must not take the process down
  pool.on('error', () => {});
  try {
    if (schema !== null) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await pool.query(ddl);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/** Open the PostgreSQL key store at a `postgres://` URL (see openPostgresPool for `?schema=`). */
export async function openPostgresStore(url: string): Promise<Store> {
  const pool = await openPostgresPool(url, DDL, 4);

  return {
    kind: 'postgres',
    async upsertConsumer(c: Consumer) {
      await pool.query(
        `INSERT INTO consumers (id, roles, scopes, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET roles = EXCLUDED.roles, scopes = EXCLUDED.scopes`,
        [c.id, JSON.stringify(c.roles), JSON.stringify(c.scopes), c.createdAt],
      );
    },
    async getConsumer(id) {
      const r = await pool.query<ConsumerRow>(
        'SELECT id, roles, scopes, created_at FROM consumers WHERE id = $1',
        [id],
      );
      return r.rows[0] === undefined ? undefined : consumerFromRow(r.rows[0]);
    },
    async insertKey(k: ApiKeyRecord) {
      await pool.query(
        `INSERT INTO api_keys (id, consumer_id, hash, prefix, name, created_at, expires_at, revoked_at, last_used_at, rotated_from)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        keyValues(k),
      );
    },
    async getKey(id) {
      const r = await pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.id = $1`, [id]);
      return r.rows[0] === undefined ? undefined : keyFromRow(r.rows[0]);
    },
    async findKeyByHash(hash): Promise<ApiKeyWithConsumer | undefined> {
      const r = await pool.query<KeyRow & { c_roles: string; c_scopes: string; c_created_at: string }>(
        `SELECT ${KEY_COLUMNS}, c.roles AS c_roles, c.scopes AS c_scopes, c.created_at AS c_created_at
         FROM api_keys k JOIN consumers c ON c.id = k.consumer_id WHERE k.hash = $1`,
        [hash],
      );
      const row = r.rows[0];
      if (row === undefined) return undefined;
      return {
        key: keyFromRow(row),
        consumer: consumerFromRow({
          id: row.consumer_id,
          roles: row.c_roles,
          scopes: row.c_scopes,
          created_at: row.c_created_at,
        }),
      };
    },
    async listKeys(options = {}) {
      const limit = Math.min(options.limit ?? MAX_LIST, MAX_LIST);
      const r =
        options.consumerId === undefined
          ? await pool.query<KeyRow>(
              `SELECT ${KEY_COLUMNS} FROM api_keys k ORDER BY k.created_at DESC, k.id LIMIT $1`,
              [limit],
            )
          : await pool.query<KeyRow>(
              `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.consumer_id = $1 ORDER BY k.created_at DESC, k.id LIMIT $2`,
              [options.consumerId, limit],
            );
      return r.rows.map(keyFromRow);
    },
    async revokeKey(id, at) {
      const r = await pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [
        at,
        id,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async setKeyExpiry(id, expiresAt) {
      await pool.query('UPDATE api_keys SET expires_at = $1 WHERE id = $2', [expiresAt, id]);
    },
    async touchKeys(entries) {
      if (entries.length === 0) return;
      // one statement for the whole batch: unnest pairs the two arrays row by row
      await pool.query(
        `UPDATE api_keys k SET last_used_at = t.at
         FROM unnest($1::text[], $2::bigint[]) AS t(id, at)
         WHERE k.id = t.id AND (k.last_used_at IS NULL OR k.last_used_at < t.at)`,
        [entries.map((e) => e.id), entries.map((e) => e.at)],
      );
    },
    async close() {
      await pool.end();
    },
  };
}
