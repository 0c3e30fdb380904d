import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { type Allowlist, isAllowed } from './allowlist.ts';
import { addedChunks } from './git-history.ts';
import { RULES } from './rules/index.ts';
import { scanText, type TextFinding } from './scan-text.ts';
import { embeddedSources } from './sourcemap.ts';
import type { Finding, SecretRule } from './types.ts';
import { listFiles, type Skipped } from './walk.ts';

/** Default cap on the size of one scanned file (and one commit's added lines to one file). */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
/** Bytes looked at for a NUL to decide a file is binary (git's heuristic). */
const BINARY_SNIFF = 8000;

/** What to scan and how. */
export interface ScanOptions {
  /** Files and directories, resolved against `cwd`. */
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly gitignore: boolean;
  readonly maxFileSize: number;
  readonly allowlist: Allowlist;
  readonly rules?: readonly SecretRule[];
}

/** Findings plus what was (and was not) looked at. */
export interface ScanResult {
  readonly findings: Finding[];
  readonly filesScanned: number;
  readonly bytesScanned: number;
  readonly skipped: Skipped[];
  /** Findings dropped by the allowlist (inline ignores are not counted). */
  readonly allowed: number;
  readonly commitsScanned?: number;
}

function displayPath(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return (rel === '' ? abs : rel).split(sep).join('/');
}

function toFinding(
  f: TextFinding,
  file: string,
  extra: { source?: string; commit?: string; line?: number; endLine?: number },
): Finding {
  return {
    ruleId: f.rule.id,
    title: f.rule.title,
    file,
    ...(extra.source !== undefined ? { source: extra.source } : {}),
    ...(extra.commit !== undefined ? { commit: extra.commit } : {}),
    line: extra.line ?? f.line,
    column: f.column,
    endLine: extra.endLine ?? f.endLine,
    endColumn: f.endColumn,
    confidence: f.confidence,
    ...(f.note !== undefined ? { note: f.note } : {}),
    fingerprint: f.fingerprint,
    redacted: f.redacted,
    length: f.length,
  };
}

function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, BINARY_SNIFF).includes(0);
}

/**
 * Scans files and directories. Binary files (a NUL in the first 8000 bytes), files over the size cap and
 * ignored paths are skipped; source maps are scanned through their embedded `sourcesContent`.
 */
export function scanPaths(opts: ScanOptions): ScanResult {
  const rules = opts.rules ?? RULES;
  const findings: Finding[] = [];
  const skipped: Skipped[] = [];
  let filesScanned = 0;
  let bytesScanned = 0;
  let allowed = 0;
  const seen = new Set<string>();
  for (const p of opts.paths) {
    const listing = listFiles(resolve(opts.cwd, p), {
      gitignore: opts.gitignore,
      maxFileSize: opts.maxFileSize,
    });
    skipped.push(...listing.skipped);
    for (const abs of listing.files) {
      if (seen.has(abs)) continue;
      seen.add(abs);
      let buf: Buffer;
      try {
        buf = readFileSync(abs);
      } catch {
        skipped.push({ path: abs, reason: 'not-a-regular-file' });
        continue;
      }
      if (buf.length > opts.maxFileSize) {
        skipped.push({ path: abs, reason: 'too-large' });
        continue;
      }
      if (isBinary(buf)) {
        skipped.push({ path: abs, reason: 'binary-content' });
        continue;
      }
      filesScanned++;
      bytesScanned += buf.length;
      const text = buf.toString('utf8');
      const file = displayPath(opts.cwd, abs);
      const keep = (f: TextFinding): boolean => {
        if (isAllowed(opts.allowlist, abs, f.rule.id, f.fingerprint)) {
          allowed++;
          return false;
        }
        return true;
      };
      const sources = abs.endsWith('.map') ? embeddedSources(text) : null;
      if (sources) {
        for (const s of sources) {
          for (const f of scanText(s.text, rules).filter(keep)) {
            findings.push(toFinding(f, file, { source: s.source }));
          }
        }
      } else {
        for (const f of scanText(text, rules).filter(keep)) findings.push(toFinding(f, file, {}));
      }
    }
  }
  return { findings, filesScanned, bytesScanned, skipped, allowed };
}

/**
 * Scans the history of the git repository at each path: every line every commit added, reported with the
 * commit id and the line number in that commit's version of the file.
 */
export async function scanHistory(opts: ScanOptions): Promise<ScanResult> {
  const rules = opts.rules ?? RULES;
  const findings: Finding[] = [];
  const commits = new Set<string>();
  let bytesScanned = 0;
  let allowed = 0;
  const files = new Set<string>();
  for (const p of opts.paths) {
    const repo = resolve(opts.cwd, p);
    for await (const chunk of addedChunks(repo, opts.maxFileSize)) {
      commits.add(chunk.commit);
      const abs = resolve(repo, chunk.path);
      files.add(abs);
      bytesScanned += chunk.text.length;
      for (const f of scanText(chunk.text, rules)) {
        if (isAllowed(opts.allowlist, abs, f.rule.id, f.fingerprint)) {
          allowed++;
          continue;
        }
        const line = chunk.lineNumbers[f.line - 1] ?? f.line;
        const endLine = chunk.lineNumbers[f.endLine - 1] ?? f.endLine;
        findings.push(toFinding(f, displayPath(opts.cwd, abs), { commit: chunk.commit, line, endLine }));
      }
    }
  }
  return {
    findings,
    filesScanned: files.size,
    bytesScanned,
    skipped: [],
    allowed,
    commitsScanned: commits.size,
  };
}
