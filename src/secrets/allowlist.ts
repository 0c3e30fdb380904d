import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { compileGlob, type GlobPattern, globMatchesPathOrParent } from './glob.ts';

/** The allowlist file looked for in the working directory and in each scanned directory. */
export const ALLOWLIST_FILE = '.rampart-secrets-allow';
const MAX_ENTRIES = 10_000;

/** Findings to suppress: by path glob (relative to the allowlist's directory), rule id or fingerprint. */
export interface Allowlist {
  readonly paths: ReadonlyArray<{ readonly base: string; readonly pattern: GlobPattern }>;
  readonly rules: ReadonlySet<string>;
  readonly fingerprints: ReadonlySet<string>;
}

/** A malformed allowlist line, reported as `file:line: reason` (a usage error). */
export class AllowlistError extends Error {
  override readonly name = 'AllowlistError';
}

/** An allowlist that suppresses nothing. */
export const EMPTY_ALLOWLIST: Allowlist = { paths: [], rules: new Set(), fingerprints: new Set() };

/**
 * Parses an allowlist. One entry a line, `#` comments: `path:GLOB` (or a bare GLOB, gitignore syntax,
 * relative to `baseDir`), `rule:ID`, `fingerprint:HEX16`. Unknown rule ids are errors, so a typo does not
 * silently allow nothing.
 */
export function parseAllowlist(
  text: string,
  baseDir: string,
  label: string,
  knownRule: (id: string) => boolean,
): Allowlist {
  const paths: Array<{ base: string; pattern: GlobPattern }> = [];
  const rules = new Set<string>();
  const fingerprints = new Set<string>();
  const lines = text.split('\n');
  if (lines.length > MAX_ENTRIES) throw new AllowlistError(`${label}: more than ${MAX_ENTRIES} lines`);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${label}:${i + 1}`;
    if (line.startsWith('rule:')) {
      const id = line.slice(5).trim();
      if (!knownRule(id)) throw new AllowlistError(`${where}: unknown rule id "${id.slice(0, 64)}"`);
      rules.add(id);
    } else if (line.startsWith('fingerprint:')) {
      const fp = line.slice(12).trim().toLowerCase();
      if (!/^[0-9a-f]{16}$/.test(fp)) throw new AllowlistError(`${where}: a fingerprint is 16 hex digits`);
      fingerprints.add(fp);
    } else {
      const glob = line.startsWith('path:') ? line.slice(5).trim() : line;
      const pattern = compileGlob(glob);
      if (!pattern || pattern.negated) throw new AllowlistError(`${where}: not a path pattern`);
      paths.push({ base: baseDir, pattern });
    }
  });
  return { paths, rules, fingerprints };
}

/** Reads and parses an allowlist file. */
export function loadAllowlist(file: string, baseDir: string, knownRule: (id: string) => boolean): Allowlist {
  return parseAllowlist(readFileSync(file, 'utf8'), baseDir, file, knownRule);
}

/** Unites several allowlists. */
export function mergeAllowlists(lists: readonly Allowlist[]): Allowlist {
  return {
    paths: lists.flatMap((l) => l.paths),
    rules: new Set(lists.flatMap((l) => [...l.rules])),
    fingerprints: new Set(lists.flatMap((l) => [...l.fingerprints])),
  };
}

/** True when the allowlist suppresses a finding of `ruleId` with `fingerprint` in the file at `absPath`. */
export function isAllowed(list: Allowlist, absPath: string, ruleId: string, fp: string): boolean {
  if (list.rules.has(ruleId) || list.fingerprints.has(fp)) return true;
  return list.paths.some(({ base, pattern }) => {
    const rel = relative(base, absPath);
    if (rel === '' || rel.startsWith('..')) return false;
    return globMatchesPathOrParent(pattern, rel.split(sep).join('/'));
  });
}
