import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/rampart.js', import.meta.url));

/** A `rampart` subprocess with its output collected line by line. */
export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolve with the first stdout JSON log line (or stderr text line) that satisfies `pred`. */
  waitFor(pred: (line: string) => boolean, ms?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Spawn `node bin/rampart.js …args` with the current Node. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const feed = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        into.push(line);
        for (const w of [...waiters]) {
          if (w.pred(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    };
  };
  child.stdout.on('data', feed(stdout));
  child.stderr.on('data', feed(stderr));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    stdout,
    stderr,
    exited,
    waitFor(pred, ms = 15_000) {
      const existing = [...stdout, ...stderr].find(pred);
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`)),
          ms,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
        });
      });
    },
  };
}

/** Parse a JSON log line, or undefined. */
export function json(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Run `rampart …args` in this process (no subprocess) in `cwd` with `env`; the exit code and what it wrote. */
export async function runCliInProcess(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const { Writable } = await import('node:stream');
  const { main } = await import('../../src/cli/main.ts');
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk, _e, cb) {
        f(String(chunk));
        cb();
      },
    });
  const code = await main([...args], {
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
    cwd,
    env,
  });
  return { code, out, err };
}
