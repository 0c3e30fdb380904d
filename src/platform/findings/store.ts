import { randomBytes } from 'node:crypto';
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
} from '../../store/field-cipher.ts';
import { isPostgresUrl } from '../../store/open.ts';
import { openPostgresPool } from '../../store/postgres.ts';
import type { ImportedFinding, NormalizedReport } from './normalize.ts';

/** One import of a scan or audit report. */
export interface FindingImport {
  readonly id: string;
  readonly tool: 'scan' | 'audit';
  readonly source: string;
  readonly importedAt: number;
  readonly findings: number;
}

/** Where imported findings are kept: beside the events (SQLite file or PostgreSQL). */
export interface FindingsStore {
  /** Keep a report; the oldest imports go when there are more than MAX_IMPORTS. */
  add(report: NormalizedReport, now?: number): Promise<FindingImport>;
  list(): Promise<{ imports: FindingImport[]; findings: ImportedFinding[] }>;
  /** Re-encrypt every import under the active data-at-rest key (`rampart store rotate-key`). */
  reseal(batchSize: number): Promise<ResealResult>;
  close(): Promise<void>;
}

/** The AAD of an import's findings: binds the sealed value to its column and its import id. */
const findingsAad = (id: string) => `rampart:finding_imports.data:${id}`;

/** Most imports kept; older ones are dropped. */
export const MAX_IMPORTS = 50;
const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const DDL = `CREATE TABLE IF NOT EXISTS finding_imports (
  id TEXT PRIMARY KEY,
  tool TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at BIGINT NOT NULL,
  count INTEGER NOT NULL,
  data TEXT NOT NULL
)`;

interface Row {
  id: string;
  tool: string;
  source: string;
  imported_at: number | string;
  count: number | string;
  data: string;
}

function fromRows(
  rows: readonly Row[],
  atRest: AtRest | undefined,
): { imports: FindingImport[]; findings: ImportedFinding[] } {
  const imports: FindingImport[] = [];
  const findings: ImportedFinding[] = [];
  for (const r of rows) {
    const tool = r.tool === 'scan' ? 'scan' : 'audit';
    imports.push({
      id: r.id,
      tool,
      source: r.source,
      importedAt: Number(r.imported_at),
      findings: Number(r.count),
    });
    // the findings carry scan evidence (requests, responses): sealed when a key is configured
    const opened = openField(atRest, r.data, findingsAad(r.id));
    if (opened === null || !opened.ok) continue;
    try {
      const list = JSON.parse(opened.value) as Omit<ImportedFinding, 'importId'>[];
      for (const f of list) findings.push({ ...f, importId: r.id });
    } catch {
      // a row this version cannot read is skipped
    }
  }
  findings.sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9));
  return { imports, findings };
}

function newImport(report: NormalizedReport, now: number): FindingImport {
  return {
    id: `imp_${randomBytes(12).toString('base64url')}`,
    tool: report.tool,
    source: report.source,
    importedAt: now,
    findings: report.findings.length,
  };
}

const SELECT = `SELECT id, tool, source, imported_at, count, data FROM finding_imports ORDER BY imported_at DESC, id LIMIT ${MAX_IMPORTS}`;
const PRUNE = `DELETE FROM finding_imports WHERE id NOT IN (SELECT id FROM finding_imports ORDER BY imported_at DESC, id LIMIT ${MAX_IMPORTS})`;

/** The rows of one batch not under the active key, opened and sealed anew. */
function resealRows(cipher: FieldCipher, rows: readonly { id: string; data: string }[], total: ResealResult) {
  const out: { id: string; data: string; sealed: string }[] = [];
  for (const r of rows) {
    total.scanned++;
    if (!cipher.needsReseal(r.data)) continue;
    const opened = cipher.open(r.data, findingsAad(r.id));
    if (!opened.ok) {
      total.unreadable++;
      continue;
    }
    out.push({ ...r, sealed: cipher.seal(opened.value, findingsAad(r.id)) });
  }
  return out;
}

function needCipher(atRest: AtRest | undefined): FieldCipher {
  if (atRest?.cipher === undefined) throw new RangeError('re-encryption needs a data-at-rest key');
  return atRest.cipher;
}

/**
 * Open the findings table at a SQLite path (relative to `baseDir`) or a postgres:// URL; with
 * `atRest.cipher` each import's findings are encrypted.
 */
export async function openFindingsStore(
  location: string,
  baseDir: string,
  atRest?: AtRest,
): Promise<FindingsStore> {
  if (isPostgresUrl(location)) {
    const pool = await openPostgresPool(location, DDL, 2);
    return {
      async add(report, now = Date.now()) {
        const imp = newImport(report, now);
        await pool.query(
          'INSERT INTO finding_imports (id, tool, source, imported_at, count, data) VALUES ($1, $2, $3, $4, $5, $6)',
          [
            imp.id,
            imp.tool,
            imp.source,
            imp.importedAt,
            imp.findings,
            sealField(atRest, JSON.stringify(report.findings), findingsAad(imp.id)),
          ],
        );
        await pool.query(PRUNE);
        return imp;
      },
      async list() {
        return fromRows((await pool.query<Row>(SELECT)).rows, atRest);
      },
      async reseal(batchSize) {
        const cipher = needCipher(atRest);
        const total: ResealResult = { scanned: 0, resealed: 0, unreadable: 0 };
        let after = '';
        for (;;) {
          const r = await pool.query<{ id: string; data: string }>(
            'SELECT id, data FROM finding_imports WHERE id > $1 ORDER BY id LIMIT $2',
            [after, batchSize],
          );
          const last = r.rows.at(-1);
          if (last === undefined) break;
          after = last.id;
          const rows = resealRows(cipher, r.rows, total);
          if (rows.length > 0) {
            const u = await pool.query(
              `UPDATE finding_imports AS f SET data = v.sealed
               FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, sealed, old)
               WHERE f.id = v.id AND f.data = v.old`,
              [rows.map((x) => x.id), rows.map((x) => x.sealed), rows.map((x) => x.data)],
            );
            total.resealed += u.rowCount ?? 0;
          }
        }
        return total;
      },
      close: () => pool.end(),
    };
  }
  const file = location === ':memory:' || isAbsolute(location) ? location : resolve(baseDir, location);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  // secure_delete: freed space is zeroed, so neither plaintext nor retired ciphertext lingers in the file
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;');
  db.exec(DDL);
  const insert = db.prepare(
    'INSERT INTO finding_imports (id, tool, source, imported_at, count, data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const select = db.prepare(SELECT);
  const prune = db.prepare(PRUNE);
  const batch = db.prepare('SELECT id, data FROM finding_imports WHERE id > ? ORDER BY id LIMIT ?');
  const update = db.prepare('UPDATE finding_imports SET data = ? WHERE id = ? AND data = ?');
  return {
    async add(report, now = Date.now()) {
      const imp = newImport(report, now);
      insert.run(
        imp.id,
        imp.tool,
        imp.source,
        imp.importedAt,
        imp.findings,
        sealField(atRest, JSON.stringify(report.findings), findingsAad(imp.id)),
      );
      prune.run();
      return imp;
    },
    async list() {
      return fromRows(select.all() as unknown as Row[], atRest);
    },
    async reseal(batchSize) {
      const cipher = needCipher(atRest);
      const total: ResealResult = { scanned: 0, resealed: 0, unreadable: 0 };
      let after = '';
      for (;;) {
        const rows = batch.all(after, batchSize) as unknown as { id: string; data: string }[];
        const last = rows.at(-1);
        if (last === undefined) break;
        after = last.id;
        db.exec('BEGIN');
        try {
          for (const r of resealRows(cipher, rows, total)) {
            total.resealed += Number(update.run(r.sealed, r.id, r.data).changes);
          }
          db.exec('COMMIT');
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
        await yieldToLoop();
      }
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      return total;
    },
    async close() {
      db.close();
    },
  };
}
