import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
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
  close(): Promise<void>;
}

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

function fromRows(rows: readonly Row[]): { imports: FindingImport[]; findings: ImportedFinding[] } {
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
    try {
      const list = JSON.parse(r.data) as Omit<ImportedFinding, 'importId'>[];
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

/** Open the findings table at a SQLite path (relative to `baseDir`) or a postgres:// URL. */
export async function openFindingsStore(location: string, baseDir: string): Promise<FindingsStore> {
  if (isPostgresUrl(location)) {
    const pool = await openPostgresPool(location, DDL, 2);
    return {
      async add(report, now = Date.now()) {
        const imp = newImport(report, now);
        await pool.query(
          'INSERT INTO finding_imports (id, tool, source, imported_at, count, data) VALUES ($1, $2, $3, $4, $5, $6)',
          [imp.id, imp.tool, imp.source, imp.importedAt, imp.findings, JSON.stringify(report.findings)],
        );
        await pool.query(PRUNE);
        return imp;
      },
      async list() {
        return fromRows((await pool.query<Row>(SELECT)).rows);
      },
      close: () => pool.end(),
    };
  }
  const file = location === ':memory:' || isAbsolute(location) ? location : resolve(baseDir, location);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec(DDL);
  const insert = db.prepare(
    'INSERT INTO finding_imports (id, tool, source, imported_at, count, data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const select = db.prepare(SELECT);
  const prune = db.prepare(PRUNE);
  return {
    async add(report, now = Date.now()) {
      const imp = newImport(report, now);
      insert.run(imp.id, imp.tool, imp.source, imp.importedAt, imp.findings, JSON.stringify(report.findings));
      prune.run();
      return imp;
    },
    async list() {
      return fromRows(select.all() as unknown as Row[]);
    },
    async close() {
      db.close();
    },
  };
}
