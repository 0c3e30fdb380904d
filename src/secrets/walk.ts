import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileOracle, gitOracle, gitTopLevel, type IgnoreOracle } from './gitignore.ts';

/** Extensions of files that are binary by construction: skipped without reading. */
const BINARY_EXTENSIONS = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.ico',
  '.bmp',
  '.tiff',
  '.avif',
  '.psd',
  '.zip',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.7z',
  '.rar',
  '.zst',
  '.jar',
  '.war',
  '.pdf',
  '.woff',
  '.woff2',
  '.ttf',
  '.otf',
  '.eot',
  '.mp3',
  '.mp4',
  '.mov',
  '.avi',
  '.webm',
  '.wav',
  '.ogg',
  '.flac',
  '.exe',
  '.dll',
  '.so',
  '.dylib',
  '.o',
  '.a',
  '.class',
  '.pyc',
  '.wasm',
  '.node',
  '.sqlite',
  '.db',
  '.bin',
  '.dat',
]);
/** Directories never descended into. */
const ALWAYS_SKIPPED_DIRS = new Set(['.git', '.hg', '.svn']);
/** Most directory entries visited per scan root: bounds a runaway tree. */
const MAX_ENTRIES = 2_000_000;

/** A file the walk chose not to read, and why. */
export interface Skipped {
  readonly path: string;
  readonly reason: 'too-large' | 'binary-extension' | 'binary-content' | 'not-a-regular-file' | 'entry-limit';
}

/** The files under one root to scan, and those skipped. */
export interface Listing {
  readonly files: string[];
  readonly skipped: Skipped[];
}

/** Options of a directory walk. */
export interface WalkOptions {
  readonly gitignore: boolean;
  readonly maxFileSize: number;
}

/**
 * Lists the files under `root` (or `root` itself when it is a file, scanned even if ignored: it was
 * named). Breadth-first, so each level's ignore decisions are one batch; ignored directories are pruned;
 * symbolic links are not followed.
 */
export function listFiles(root: string, opts: WalkOptions): Listing {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  const st = statSync(root);
  if (!st.isDirectory()) {
    if (st.size > opts.maxFileSize) skipped.push({ path: root, reason: 'too-large' });
    else files.push(root);
    return { files, skipped };
  }
  let oracle: IgnoreOracle | null = null;
  if (opts.gitignore) {
    const top = gitTopLevel(root);
    if (top === null) oracle = fileOracle(root);
    // A directory named explicitly is scanned even if ignored (a built bundle in dist/ usually is);
    // rules still apply below it only when the directory itself is not ignored.
    else if (!gitOracle(top).ignored([{ rel: relative(top, realpathSync(root)), isDir: true }]).size) {
      oracle = gitOracle(root);
    }
  }
  let level: string[] = [''];
  let visited = 0;
  while (level.length > 0) {
    const entries: Array<{ rel: string; isDir: boolean; size: number }> = [];
    for (const dir of level) {
      oracle?.enterDirectory(dir);
      let names: string[];
      try {
        names = readdirSync(join(root, dir)).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        const rel = dir === '' ? name : `${dir}/${name}`;
        if (++visited > MAX_ENTRIES) {
          skipped.push({ path: join(root, rel), reason: 'entry-limit' });
          return { files, skipped };
        }
        let info: ReturnType<typeof lstatSync>;
        try {
          info = lstatSync(join(root, rel));
        } catch {
          continue;
        }
        if (info.isDirectory()) {
          if (!ALWAYS_SKIPPED_DIRS.has(name)) entries.push({ rel, isDir: true, size: 0 });
        } else if (info.isFile()) {
          entries.push({ rel, isDir: false, size: info.size });
        } else {
          skipped.push({ path: join(root, rel), reason: 'not-a-regular-file' });
        }
      }
    }
    const ignored = oracle ? oracle.ignored(entries) : new Set<string>();
    const next: string[] = [];
    for (const e of entries) {
      if (ignored.has(e.rel)) continue;
      const abs = join(root, e.rel);
      if (e.isDir) next.push(e.rel);
      else if (BINARY_EXTENSIONS.has(extname(e.rel).toLowerCase())) {
        skipped.push({ path: abs, reason: 'binary-extension' });
      } else if (e.size > opts.maxFileSize) skipped.push({ path: abs, reason: 'too-large' });
      else files.push(abs);
    }
    level = next;
  }
  return { files, skipped };
}
