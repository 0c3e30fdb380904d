import { spawn } from 'node:child_process';

/** The lines one commit added to one file, joined by `\n`, with each line's number in that commit. */
export interface AddedChunk {
  readonly commit: string;
  readonly path: string;
  readonly text: string;
  /** `lineNumbers[i]` is the file line number of the chunk's line i + 1. */
  readonly lineNumbers: readonly number[];
}

/** Failure to read history (not a repository, git missing). The message names no secret. */
export class GitHistoryError extends Error {
  override readonly name = 'GitHistoryError';
}

const COMMIT_MARK = '\u0001commit ';
const HUNK = /^@@ -\d{1,10}(?:,(\d{1,10}))? \+(\d{1,10})(?:,(\d{1,10}))? @@/;

function unquotePath(p: string): string {
  if (!p.startsWith('"')) return p;
  // C-style quoting for unusual names: enough unescaping to get a readable path.
  return p.slice(1, -1).replace(/\\(["\\tn])/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}

/**
 * Streams every commit's added lines (`git log -p -U0 --all`), grouped per commit and file. Line
 * boundaries come from the hunk counts, so an added line that itself starts with `+++` or `@@` is never
 * mistaken for a header. Chunks are capped at `maxChunkBytes` (later lines of a huge diff are dropped).
 */
export async function* addedChunks(repoDir: string, maxChunkBytes: number): AsyncGenerator<AddedChunk> {
  const child = spawn(
    'git',
    [
      '-c',
      'core.quotePath=false',
      'log',
      '-p',
      '--all',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--src-prefix=a/',
      '--dst-prefix=b/',
      '-U0',
      '--format=%x01commit %H',
    ],
    { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });

  let commit = '';
  let path: string | null = null;
  let lines: string[] = [];
  let numbers: number[] = [];
  let bytes = 0;
  let plusLeft = 0;
  let minusLeft = 0;
  let next = 0;

  const flush = (): AddedChunk | null => {
    const chunk =
      path !== null && lines.length > 0
        ? { commit, path, text: lines.join('\n'), lineNumbers: numbers }
        : null;
    lines = [];
    numbers = [];
    bytes = 0;
    return chunk;
  };

  const handle = (line: string): AddedChunk | null => {
    if (plusLeft > 0 || minusLeft > 0) {
      if (line.startsWith('+') && plusLeft > 0) {
        plusLeft--;
        const added = line.slice(1);
        if (bytes + added.length <= maxChunkBytes) {
          lines.push(added);
          numbers.push(next);
          bytes += added.length + 1;
        }
        next++;
        return null;
      }
      if (line.startsWith('-') && minusLeft > 0) {
        minusLeft--;
        return null;
      }
      if (line.startsWith('\\')) return null;
      plusLeft = 0;
      minusLeft = 0;
    }
    if (line.startsWith(COMMIT_MARK)) {
      const done = flush();
      commit = line.slice(COMMIT_MARK.length).trim();
      path = null;
      return done;
    }
    if (line.startsWith('diff --git ')) {
      const done = flush();
      path = null;
      return done;
    }
    if (line.startsWith('+++ ')) {
      const target = unquotePath(line.slice(4));
      path = target.startsWith('b/') ? target.slice(2) : null;
      return null;
    }
    const h = HUNK.exec(line);
    if (h) {
      minusLeft = h[1] === undefined ? 1 : Number(h[1]);
      next = Number(h[2]);
      plusLeft = h[3] === undefined ? 1 : Number(h[3]);
    }
    return null;
  };

  child.stdout.setEncoding('utf8');
  let pending = '';
  let finished = false;
  try {
    for await (const data of child.stdout as AsyncIterable<string>) {
      pending += data;
      // Search only the new data: a long line spread over many reads stays linear.
      let nl = pending.indexOf('\n', pending.length - data.length);
      let from = 0;
      while (nl >= 0) {
        const chunk = handle(pending.slice(from, nl));
        if (chunk) yield chunk;
        from = nl + 1;
        nl = pending.indexOf('\n', from);
      }
      pending = pending.slice(from);
    }
    if (pending !== '') {
      const chunk = handle(pending);
      if (chunk) yield chunk;
    }
    const last = flush();
    if (last) yield last;
    finished = true;
  } finally {
    // A consumer that stops early must not leave git running.
    if (!finished) child.kill();
  }
  const code = await exited;
  if (code !== 0) {
    const reason = stderr.split('\n')[0]?.trim() || `git log exited with ${code}`;
    throw new GitHistoryError(`cannot read git history of ${repoDir}: ${reason}`);
  }
}
