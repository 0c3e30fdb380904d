import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  type AtRest,
  type FieldCipher,
  openField,
  type ResealResult,
  sealField,
  type UnreadableReason,
} from '../../store/field-cipher.ts';
import { isPostgresUrl } from '../../store/open.ts';
import { openPostgresPool } from '../../store/postgres.ts';
import type { Endpoint } from './inventory.ts';

/** Where the learned inventory is kept between restarts, beside the events. */
export interface InventoryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Replace the stored inventory with `endpoints` in one transaction. */
  save(endpoints: readonly Endpoint[]): Promise<void>;
  load(): Promise<Endpoint[]>;
  /** Re-encrypt every row under the active key, at most `batchSize` rows a transaction. */
  reseal(batchSize: number, onBatch?: (progress: ResealResult) => void): Promise<ResealResult>;
  close(): Promise<void>;
}

/** Data-at-rest settings of the inventory store: the cipher, and who hears of unreadable rows. */
export interface InventoryAtRest extends AtRest {
  /** Told of each row skipped on load because it could not be decrypted or parsed. */
  readonly onUnreadable?: (reason: UnreadableReason | 'invalid') => void;
}

/** The AAD of an inventory row's data: binds it to its column and its method + path. */
export function inventoryAad(method: string, path: string): string {
  return `rampart:api_inventory.data:${method} ${path}`;
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

interface Row {
  readonly method: string;
  readonly path: string;
  readonly data: string;
}

function decode(rows: readonly Row[], atRest: InventoryAtRest | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const r of rows) {
    const opened = openField(atRest, r.data, inventoryAad(r.method, r.path));
    if (opened === null || !opened.ok) {
      atRest?.onUnreadable?.(opened?.reason ?? 'malformed');
      continue;
    }
    try {
      out.push(JSON.parse(opened.value) as Endpoint);
    } catch {
      // a row this version cannot read is skipped, not fatal
      atRest?.onUnreadable?.('invalid');
    }
  }
  return out;
}

const sealEndpoint = (atRest: AtRest | undefined, e: Endpoint): string =>
  sealField(atRest, JSON.stringify(e), inventoryAad(e.method, e.path)) as string;

/** The rows of one batch that need rewriting under the active key, sealed anew. */
function resealRows(
  cipher: FieldCipher,
  rows: readonly Row[],
  total: ResealResult,
): (Row & { sealed: string })[] {
  const out: (Row & { sealed: string })[] = [];
  for (const r of rows) {
    total.scanned++;
    if (!cipher.needsReseal(r.data)) continue;
    const aad = inventoryAad(r.method, r.path);
    const opened = cipher.open(r.data, aad);
    if (!opened.ok) {
      total.unreadable++;
      continue;
    }
    out.push({ ...r, sealed: cipher.seal(opened.value, aad) });
  }
  return out;
}

function needCipher(atRest: AtRest | undefined): FieldCipher {
  if (atRest?.cipher === undefined) throw new RangeError('re-encryption needs a data-at-rest key');
  return atRest.cipher;
}

function openSqlite(file: string, atRest: InventoryAtRest | undefined): InventoryStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  // secure_delete: freed space is zeroed, so neither plaintext nor retired ciphertext lingers in the file
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;');
  db.exec(DDL);
  const insert = db.prepare('INSERT INTO api_inventory (method, path, data, last_seen) VALUES (?, ?, ?, ?)');
  const all = db.prepare('SELECT method, path, data FROM api_inventory ORDER BY path, method LIMIT ?');
  const batch = db.prepare(
    'SELECT method, path, data FROM api_inventory WHERE (method, path) > (?, ?) ORDER BY method, path LIMIT ?',
  );
  const update = db.prepare('UPDATE api_inventory SET data = ? WHERE method = ? AND path = ? AND data = ?');
  return {
    kind: 'sqlite',
    async save(endpoints) {
      db.exec('BEGIN');
      try {
        db.exec('DELETE FROM api_inventory');
        for (const e of endpoints) insert.run(e.method, e.path, sealEndpoint(atRest, e), e.lastSeen);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async load() {
      return decode(all.all(MAX_LOAD) as unknown as Row[], atRest);
    },
    async reseal(batchSize, onBatch) {
      const cipher = needCipher(atRest);
      const total: ResealResult = { scanned: 0, resealed: 0, unreadable: 0 };
      let cursor: [string, string] = ['', ''];
      for (;;) {
        const rows = batch.all(cursor[0], cursor[1], batchSize) as unknown as Row[];
        const last = rows.at(-1);
        if (last === undefined) break;
        cursor = [last.method, last.path];
        db.exec('BEGIN');
        try {
          for (const r of resealRows(cipher, rows, total)) {
            total.resealed += Number(update.run(r.sealed, r.method, r.path, r.data).changes);
          }
          db.exec('COMMIT');
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
        onBatch?.({ ...total });
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

async function openPostgres(url: string, atRest: InventoryAtRest | undefined): Promise<InventoryStore> {
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
              endpoints.map((e) => sealEndpoint(atRest, e)),
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
      const r = await pool.query<Row>(
        'SELECT method, path, data FROM api_inventory ORDER BY path, method LIMIT $1',
        [MAX_LOAD],
      );
      return decode(r.rows, atRest);
    },
    async reseal(batchSize, onBatch) {
      const cipher = needCipher(atRest);
      const total: ResealResult = { scanned: 0, resealed: 0, unreadable: 0 };
      let cursor: [string, string] = ['', ''];
      for (;;) {
        const r = await pool.query<Row>(
          'SELECT method, path, data FROM api_inventory WHERE (method, path) > ($1, $2) ORDER BY method, path LIMIT $3',
          [cursor[0], cursor[1], batchSize],
        );
        const last = r.rows.at(-1);
        if (last === undefined) break;
        cursor = [last.method, last.path];
        const rows = resealRows(cipher, r.rows, total);
        if (rows.length > 0) {
          const u = await pool.query(
            `UPDATE api_inventory AS a SET data = v.sealed
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(method, path, sealed, old)
             WHERE a.method = v.method AND a.path = v.path AND a.data = v.old`,
            [
              rows.map((x) => x.method),
              rows.map((x) => x.path),
              rows.map((x) => x.sealed),
              rows.map((x) => x.data),
            ],
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

/**
 * Open the inventory store at `location`: a `postgres://` URL or a SQLite file relative to `baseDir`.
 * With `atRest.cipher` each row's data (consumers, parameters, sensitive-data types) is encrypted.
 */
export async function openInventoryStore(
  location: string,
  baseDir: string = process.cwd(),
  atRest?: InventoryAtRest,
): Promise<InventoryStore> {
  if (isPostgresUrl(location)) return openPostgres(location, atRest);
  if (location === ':memory:') return openSqlite(location, atRest);
  return openSqlite(isAbsolute(location) ? location : resolve(baseDir, location), atRest);
}
