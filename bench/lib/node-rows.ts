/** Rows run by Node: (b) the reference proxy and (c)/(d) the Rampart gateway with a given config. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  type Child,
  freePort,
  hasCommand,
  pinned,
  spawnChild,
  stopChild,
  tail,
  waitForPort,
} from './procs.ts';
import type { RowContext, Skipped, Target } from './target.ts';

/** How long a proxy under test may take to listen, unless `ctx.readyMs` says otherwise. */
const READY_MS = 10_000;

/** How long a wrapped proxy may take to exit once asked: under valgrind its shutdown is many times slower. */
const WRAPPED_GRACE_MS = 30_000;

// taskset execs the command, and so does valgrind's launcher (into its tool): the child's pid is the
// proxy's own, or valgrind's running it, which is what callgrind_control addresses
const pidOf = (child: Child): { pid?: number } =>
  child.proc.pid === undefined ? {} : { pid: child.proc.pid };

/** `node …argv` behind the context's wrapper, pinned to the proxy cpu (taskset outermost, so it pins both). */
const proxyArgv = (ctx: RowContext, argv: readonly string[]): string[] =>
  pinned(ctx.proxyCpu, [...(ctx.wrap ?? []), process.execPath, ...argv]);

/** Stops a proxy, with the time a wrapped one needs to exit on its own (callgrind writes its last dump then). */
const stopProxy = (ctx: RowContext, child: Child): Promise<void> =>
  stopChild(child, ctx.wrap === undefined ? undefined : WRAPPED_GRACE_MS);

/** Row (b): bench/reference-proxy.ts pinned to the proxy cpu. */
export async function startReference(ctx: RowContext): Promise<Target | Skipped> {
  const port = await freePort();
  const script = join(ctx.repoRoot, 'bench', 'reference-proxy.ts');
  const argv = proxyArgv(ctx, [script, '--upstream', ctx.upstreamUrl, '--port', String(port)]);
  const child = spawnChild('reference proxy', argv, ctx.repoRoot);
  try {
    await waitForPort(port, ctx.readyMs ?? READY_MS, child);
  } catch (err) {
    await stopProxy(ctx, child);
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    headers: {},
    ...pidOf(child),
    stop: () => stopProxy(ctx, child),
  };
}

/**
 * A copy of a gateway config for one run: the listener on `port`, every upstream at `upstreamUrl`,
 * `openapi` paths made absolute (the copy lives elsewhere). Other relative paths are kept as they are.
 */
export function benchConfig(
  configPath: string,
  port: number,
  upstreamUrl: string,
  stateUrl?: string,
): string {
  const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object') throw new Error(`${configPath}: not a YAML mapping`);
  doc.listeners = [{ host: '127.0.0.1', port }];
  const state = doc.state;
  if (stateUrl !== undefined && state !== null && typeof state === 'object')
    (state as Record<string, unknown>).url = stateUrl;
  const upstreams = doc.upstreams;
  if (upstreams !== null && typeof upstreams === 'object') {
    for (const u of Object.values(upstreams as Record<string, unknown>)) {
      if (u !== null && typeof u === 'object') (u as Record<string, unknown>).url = upstreamUrl;
    }
  }
  if (Array.isArray(doc.apis)) {
    for (const api of doc.apis as unknown[]) {
      if (api === null || typeof api !== 'object') continue;
      const a = api as Record<string, unknown>;
      if (typeof a.openapi === 'string') a.openapi = resolve(dirname(configPath), a.openapi);
    }
  }
  return stringify(doc);
}

/** The line of a failed start most worth showing in a table cell (bounded), as `: line`, or ''. */
function firstError(output: string): string {
  // valgrind's own lines (`==pid== …`, when wrapped) say nothing about the gateway
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => !/^==\d+==/.test(l));
  const line = lines.find((l) => l.includes('Error') || l.includes('error')) ?? lines.find((l) => l !== '');
  return line === undefined ? '' : `: ${line.slice(0, 200)}`;
}

/**
 * Rows (c) and (d): `node bin/rampart.js gateway --config <copy of configRel>`, pinned to the proxy
 * cpu (behind `ctx.wrap` when given). Skipped, with the reason, when the gateway is missing or not
 * listening within 10 s (`ctx.readyMs` when given).
 * `headers` are sent with every request (credentials for a config with policies).
 */
export function rampartRow(
  configRel: string,
  headers: Readonly<Record<string, string>> = {},
  stateUrl?: string,
): (ctx: RowContext) => Promise<Target | Skipped> {
  return async (ctx) => {
    const bin = join(ctx.repoRoot, 'bin', 'rampart.js');
    if (!existsSync(bin)) return { skip: 'bin/rampart.js does not exist yet' };
    const port = await freePort();
    const source = join(ctx.repoRoot, configRel);
    const config = join(ctx.tmpDir, `rampart-${basename(configRel)}`);
    writeFileSync(config, benchConfig(source, port, ctx.upstreamUrl, stateUrl));
    const argv = proxyArgv(ctx, [bin, 'gateway', '--config', config]);
    const child = spawnChild('rampart gateway', argv, ctx.repoRoot);
    const readyMs = ctx.readyMs ?? READY_MS;
    try {
      await waitForPort(port, readyMs, child);
    } catch {
      const exited = child.done();
      await stopProxy(ctx, child);
      const output = `${child.stderr()}\n${child.stdout()}`;
      if (output.trim() !== '') ctx.log(`rampart gateway output:\n${tail(output, 30)}`);
      const state = exited ? 'exited before listening' : `did not listen within ${readyMs / 1000} s`;
      return { skip: `the gateway ${state}${firstError(output)}` };
    }
    return {
      url: `http://127.0.0.1:${port}`,
      headers,
      note: configRel,
      ...pidOf(child),
      stop: () => stopProxy(ctx, child),
    };
  };
}

/**
 * Rows (r) and (l): the gateway with a Redis limiter, against a Redis of the row's own, started by
 * the bench and pinned to the load cpu (`redis-server` without persistence on a free port). The
 * machine's Redis runs unpinned and so took its CPU from the proxy's core, which a gateway in
 * production does not pay. Where `redis-server` is missing, the config's own URL (the machine's
 * Redis) is used and the note says so.
 */
export function rampartRedisRow(configRel: string): (ctx: RowContext) => Promise<Target | Skipped> {
  return async (ctx) => {
    if (!hasCommand('redis-server')) {
      const target = await rampartRow(configRel)(ctx);
      return 'skip' in target ? target : { ...target, note: `${configRel}, the machine's Redis (unpinned)` };
    }
    const redisPort = await freePort();
    const redis = spawnChild(
      'bench redis',
      pinned(ctx.loadCpu ?? null, [
        'redis-server',
        '--bind',
        '127.0.0.1',
        '--port',
        String(redisPort),
        '--save',
        '',
        '--appendonly',
        'no',
      ]),
      ctx.tmpDir,
    );
    try {
      await waitForPort(redisPort, READY_MS, redis);
    } catch (err) {
      await stopChild(redis);
      return { skip: `redis-server did not start: ${(err as Error).message.split('\n')[0]}` };
    }
    const target = await rampartRow(configRel, {}, `redis://127.0.0.1:${redisPort}`)(ctx);
    if ('skip' in target) {
      await stopChild(redis);
      return target;
    }
    const where = ctx.loadCpu == null ? 'unpinned' : `on cpu ${ctx.loadCpu}`;
    return {
      ...target,
      note: `${configRel}, its own redis-server ${where}`,
      ...(redis.proc.pid === undefined ? {} : { servicePids: [redis.proc.pid] }),
      stop: async () => {
        await target.stop();
        await stopChild(redis);
      },
    };
  };
}

/** Where a runner places its processes: the cpu lists for `taskset -c`, or null when not pinning. */
export interface Placement {
  readonly loadCpu: string | null;
  readonly proxyCpu: string | null;
}

/**
 * Starts the bench upstream on the load cpu and returns it with the context every row of a runner
 * is started in (run.ts, cpu-cost.ts, instructions.ts).
 */
export async function startBenchUpstream(
  repoRoot: string,
  tmpDir: string,
  placement: Placement,
  log: (message: string) => void,
  readyMs?: number,
): Promise<{ upstream: Child; ctx: RowContext }> {
  const port = await freePort();
  const argv = [process.execPath, join(repoRoot, 'bench', 'upstream.ts'), '--port', String(port)];
  const upstream = spawnChild('bench upstream', pinned(placement.loadCpu, argv), repoRoot);
  await waitForPort(port, 10_000, upstream);
  const ctx: RowContext = {
    repoRoot,
    upstreamUrl: `http://127.0.0.1:${port}`,
    tmpDir,
    ...placement,
    log,
    ...(readyMs === undefined ? {} : { readyMs }),
  };
  return { upstream, ctx };
}
