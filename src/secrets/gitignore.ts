import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGlob, type GlobPattern, globMatches } from './glob.ts';

/** Most patterns read from one .gitignore: bounds work on hostile trees. */
const MAX_PATTERNS_PER_FILE = 10_000;

/** Decides which of a batch of paths (relative to the scan root, forward slashes) are ignored. */
export interface IgnoreOracle {
  /** Patterns found in `dir` (relative) should now apply; called before listing that directory. */
  enterDirectory(relDir: string): void;
  ignored(entries: ReadonlyArray<{ readonly rel: string; readonly isDir: boolean }>): Set<string>;
}

/** The top of the git work tree containing `dir`, or null when it is not in one (or git is missing). */
export function gitTopLevel(dir: string): string | null {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const top = r.stdout.trim();
  return top === '' ? null : top;
}

/** Asks git itself (`git check-ignore --stdin -z`), so nested .gitignore, info/exclude and global excludes all count. */
export function gitOracle(root: string): IgnoreOracle {
  return {
    enterDirectory() {},
    ignored(entries) {
      if (entries.length === 0) return new Set();
      const input = `${entries.map((e) => e.rel).join('\0')}\0`;
      const r = spawnSync('git', ['check-ignore', '--stdin', '-z'], {
        cwd: root,
        input,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      // Exit 1 means "nothing ignored"; anything else but 0 means git could not tell: ignore nothing.
      if (r.status !== 0 || typeof r.stdout !== 'string') return new Set();
      return new Set(r.stdout.split('\0').filter((p) => p !== ''));
    },
  };
}

interface Scoped {
  readonly base: string;
  readonly pattern: GlobPattern;
}

/** A small .gitignore reader for trees outside git: root and nested .gitignore files, last match wins. */
export function fileOracle(root: string): IgnoreOracle {
  const scoped: Scoped[] = [];
  return {
    enterDirectory(relDir) {
      let text: string;
      try {
        text = readFileSync(join(root, relDir, '.gitignore'), 'utf8');
      } catch {
        return;
      }
      for (const line of text.split('\n').slice(0, MAX_PATTERNS_PER_FILE)) {
        const pattern = compileGlob(line.replace(/\r$/, ''));
        if (pattern) scoped.push({ base: relDir, pattern });
      }
    },
    ignored(entries) {
      const out = new Set<string>();
      for (const e of entries) {
        let ignored = false;
        for (const { base, pattern } of scoped) {
          if (base !== '' && !e.rel.startsWith(`${base}/`)) continue;
          const rel = base === '' ? e.rel : e.rel.slice(base.length + 1);
          if (globMatches(pattern, rel, e.isDir)) ignored = !pattern.negated;
        }
        if (ignored) out.add(e.rel);
      }
      return out;
    },
  };
}
