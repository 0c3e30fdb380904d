// Local redis-server processes for the cluster and sentinel tests: tool check, redis-cli, waiting, stopping.
import { type ChildProcess, spawnSync } from 'node:child_process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why the tests that start their own Redis processes cannot run here, or null when they can. */
export function missingRedisTools(what: string): string | null {
  for (const tool of ['redis-server', 'redis-cli']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
      return `${tool} is not installed (Debian: apt-get install redis-server); the ${what} tests need a local one`;
    }
  }
  return null;
}

/** Output of one redis-cli call against a local server (bounded in time). */
export function cli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return `${r.stdout}${r.stderr}`;
}

/** Poll `pred` until it holds, or throw after `ms`. */
export async function until(what: string, ms: number, pred: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Stop child processes: SIGTERM, then SIGKILL after 3 s. */
export async function stopAll(procs: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
          setTimeout(() => p.kill('SIGKILL'), 3_000).unref();
        }),
    ),
  );
}
