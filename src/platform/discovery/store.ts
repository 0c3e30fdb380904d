import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isPostgresUrl } from '../../store/open.ts';
import { openPostgresPool } from '../../store/postgres.ts';
import type { Endpoint } from './inventory.ts';

/** Where the learned inventory is kept between restarts, beside the events. */
export interface InventoryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Replace the stored inventory with `endpoints` in one transaction. */
  save(endpoints: readonly Endpoint[]): Promise<void>;
  load(): Promise<Endpoint[]>;
  close(): Promise<void>;
}

/** The most endpoints loaded back. */
const MAX_LOAD = 100_000;
const DDL = `CREATE TABLE IF NOT EXISTS api_inventory (
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  data TEXT NOT NULL,
  last_seen BIGINT NOT NULL,
  PRIMARY KEY (method, path)
)`;

function decode(rows: readonly { data: string }[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const r of rows) {
    try {
      out.push(JSON.parse(r.data) as Endpoint);
    } catch {
      // a row this version cannot read is skipped, not fatal
    }
  }
  return out;
}

function openSqlite(file: string): InventoryStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec(DDL);
  const insert = db.prepare('INSERT INTO api_inventory (method, path, data, last_seen) VALUES (?, ?, ?, ?)');
  const all = db.prepare('SELECT data FROM api_inventory ORDER BY path, method LIMIT ?');
  return {
    kind: 'sqlite',
    async save(endpoints) {
      db.exec('BEGIN');
      try {
        db.exec('DELETE FROM api_inventory');
        for (const e of endpoints) insert.run(e.method, e.path, JSON.stringify(e), e.lastSeen);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async load() {
      return decode(all.all(MAX_LOAD) as unknown as { data: string }[]);
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}

async function openPostgres(url: string): Promise<InventoryStore> {
  const pool = await openPostgresPool(url, DDL, 1);
  return {
    kind: 'postgres',
    async save(endpoints) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('DELETE FROM api_inventory');
        if (endpoints.length > 0) {
          await client.query(
            `INSERT INTO api_inventory (method, path, data, last_seen)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
            [
              endpoints.map((e) => e.method),
              endpoints.map((e) => e.path),
              endpoints.map((e) => JSON.stringify(e)),
              endpoints.map((e) => e.lastSeen),
            ],
          );
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
    },
    async load() {
      const r = await pool.query<{ data: string }>(
        'SELECT data FROM api_inventory ORDER BY path, method LIMIT $1',
        [MAX_LOAD],
      );
      return decode(r.rows);
    },
    async close() {
      await pool.end();
    },
  };
}

/** Open the inventory store at `location`: a `postgres://` URL or a SQLite file relative to `baseDir`. */
export async function openInventoryStore(
  location: string,
  baseDir: string = process.cwd(),
): Promise<InventoryStore> {
  if (isPostgresUrl(location)) return openPostgres(location);
  if (location === ':memory:') return openSqlite(location);
  return openSqlite(isAbsolute(location) ? location : resolve(baseDir, location));
}
