import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type ConsumerRow, consumerFromRow, type KeyRow, keyFromRow, keyValues, MAX_LIST } from './rows.ts';
import type { ApiKeyRecord, ApiKeyWithConsumer, Consumer, Store } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS consumers (
  id TEXT PRIMARY KEY,
  roles TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  consumer_id TEXT NOT NULL REFERENCES consumers(id),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER,
  rotated_from TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_consumer ON api_keys(consumer_id);
`;

const KEY_COLUMNS =
  'k.id, k.consumer_id, k.hash, k.prefix, k.name, k.created_at, k.expires_at, k.revoked_at, k.last_used_at, k.rotated_from';

/** Open (and create if needed) the SQLite store at `file`; `:memory:` for a throwaway one. */
export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  // WAL lets the CLI write while gateway processes read; busy_timeout rides out their brief locks.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  db.exec(SCHEMA);
  const upsertConsumer = db.prepare(
    `INSERT INTO consumers (id, roles, scopes, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET roles = excluded.roles, scopes = excluded.scopes`,
  );
  const getConsumer = db.prepare('SELECT id, roles, scopes, created_at FROM consumers WHERE id = ?');
  const insertKey = db.prepare(
    `INSERT INTO api_keys (id, consumer_id, hash, prefix, name, created_at, expires_at, revoked_at, last_used_at, rotated_from)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const getKey = db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.id = ?`);
  const byHash = db.prepare(
    `SELECT ${KEY_COLUMNS}, c.roles AS c_roles, c.scopes AS c_scopes, c.created_at AS c_created_at
     FROM api_keys k JOIN consumers c ON c.id = k.consumer_id WHERE k.hash = ?`,
  );
  const listAll = db.prepare(
    `SELECT ${KEY_COLUMNS} FROM api_keys k ORDER BY k.created_at DESC, k.id LIMIT ?`,
  );
  const listOne = db.prepare(
    `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.consumer_id = ? ORDER BY k.created_at DESC, k.id LIMIT ?`,
  );
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const expiry = db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?');
  const touch = db.prepare(
    'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
  );

  return {
    kind: 'sqlite',
    async upsertConsumer(c: Consumer) {
      upsertConsumer.run(c.id, JSON.stringify(c.roles), JSON.stringify(c.scopes), c.createdAt);
    },
    async getConsumer(id) {
      const row = getConsumer.get(id) as ConsumerRow | undefined;
      return row === undefined ? undefined : consumerFromRow(row);
    },
    async insertKey(k: ApiKeyRecord) {
      insertKey.run(...keyValues(k));
    },
    async getKey(id) {
      const row = getKey.get(id) as KeyRow | undefined;
      return row === undefined ? undefined : keyFromRow(row);
    },
    async findKeyByHash(hash): Promise<ApiKeyWithConsumer | undefined> {
      const row = byHash.get(hash) as
        | (KeyRow & { c_roles: string; c_scopes: string; c_created_at: number })
        | undefined;
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
      const rows = (options.consumerId === undefined
        ? listAll.all(limit)
        : listOne.all(options.consumerId, limit)) as unknown as KeyRow[];
      return rows.map(keyFromRow);
    },
    async revokeKey(id, at) {
      return Number(revoke.run(at, id).changes) > 0;
    },
    async setKeyExpiry(id, expiresAt) {
      expiry.run(expiresAt, id);
    },
    async touchKeys(entries) {
      if (entries.length === 0) return;
      db.exec('BEGIN');
      try {
        for (const e of entries) touch.run(e.at, e.id, e.at);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
