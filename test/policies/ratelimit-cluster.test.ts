/**
 * Cluster mode over real sockets: two gateway processes sharing one Redis, and gateways whose
 * Redis is gone (closed port, a server that never answers, a proxy to Redis cut and restored).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedisState } from '../../src/state/redis.ts';
import { type CliProcess, json, spawnCli } from '../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from '../state/gateway.ts';
import { cleanPrefix, REDIS_URL, redisSkipReason, testPrefix } from '../state/redis-available.ts';

const skip = await redisSkipReason();
if (skip !== null) console.log(`# SKIP cluster tests: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(url: string, init?: RequestInit): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

describe('two gateway processes share one Redis', { skip: skip ?? false }, () => {
  const prefix = testPrefix();
  let up: TestUpstream;
  let dir: string;
  const procs: CliProcess[] = [];
  const urls: string[] = [];

  before(async () => {
    up = await startUpstream();
    dir = await mkdtemp(join(tmpdir(), 'rampart-cluster-'));
    await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
    await writeFile(
      join(dir, 'rampart.yaml'),
      `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "${up.url}" }
apis:
  - name: test
    openapi: ./openapi.yaml
    upstream: app
    routes:
      health:
        rateLimit: { limit: 10, windowSeconds: 3600, by: [ip] }
state: { url: "${REDIS_URL}", prefix: "${prefix}", failureMode: fail-closed }
log: { level: info, access: false }
`,
    );
    for (let i = 0; i < 2; i++) {
      const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')]);
      procs.push(p);
      const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
      urls.push((line.listeners as string[])[0]!);
    }
  });

  after(async () => {
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await up.close();
    await rm(dir, { recursive: true, force: true });
    await cleanPrefix(prefix);
  });

  test('N allowed in total across both processes, not 2N', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => status(`${urls[i % 2]}/v1/health`)),
    );
    assert.equal(results.filter((s) => s === 200).length, 10);
    assert.equal(results.filter((s) => s === 429).length, 20);
    assert.equal(up.seen.length, 10);
  });

  test('a block made elsewhere reaches both processes within 100 ms (pub/sub)', async () => {
    const admin = new RedisState({ url: REDIS_URL, prefix, failureMode: 'fail-open', timeoutMs: 500 });
    await admin.connect(2_000);
    try {
      // /v1/admin is not rate limited: before the block it reaches the upstream (whatever it answers)
      for (const u of urls) assert.notEqual(await status(`${u}/v1/admin`), 403);
      await admin.setMember('block', 'ip:127.0.0.1', 60_000);
      const t0 = Date.now();
      const seenBlocked = [false, false];
      while (Date.now() - t0 <= 100 && !(seenBlocked[0] && seenBlocked[1])) {
        for (let i = 0; i < 2; i++) {
          if (!seenBlocked[i]) seenBlocked[i] = (await status(`${urls[i]}/v1/admin`)) === 403;
        }
      }
      assert.deepEqual(seenBlocked, [true, true], 'both gateways refuse within 100 ms');
      await admin.setMember('block', 'ip:127.0.0.1', 0);
    } finally {
      await admin.close();
    }
  });
});

/** A TCP server that accepts connections and never answers. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `redis://127.0.0.1:${(srv.address() as { port: number }).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

async function closedPort(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `redis://127.0.0.1:${port}`;
}

const ROUTES = `    routes:
      health:
        rateLimit: { limit: 2, windowSeconds: 3600, by: [ip], failureMode: fail-open }
      upload:
        rateLimit: { limit: 2, windowSeconds: 3600, by: [ip], failureMode: fail-closed }`;

for (const kind of ['a closed port', 'a server that never answers'] as const) {
  describe(`Redis unreachable (${kind}): per-route failure modes`, () => {
    let up: TestUpstream;
    let gw: ServicedGateway;
    let hole: { url: string; close(): Promise<void> } | undefined;
    before(async () => {
      up = await startUpstream();
      let url: string;
      if (kind === 'a closed port') url = await closedPort();
      else {
        hole = await blackHole();
        url = hole.url;
      }
      gw = await startServicedGateway({
        upstreamUrl: up.url,
        apiExtra: ROUTES,
        extraConfig: `state: { url: "${url}", timeoutMs: 100 }`,
      });
    });
    after(async () => {
      await gw.close();
      await up.close();
      await hole?.close();
    });

    test('fail-open keeps serving under local limits; fail-closed answers 503', async () => {
      const open = [];
      for (let i = 0; i < 3; i++) open.push(await status(`${gw.url}/v1/health`));
      assert.deepEqual(open, [200, 200, 429], 'the local limit still applies');
      const res = await fetch(`${gw.url}/v1/upload`, { method: 'POST', body: 'x' });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { code: string }).code, 'ratelimit.unavailable');
      assert.equal(res.headers.get('retry-after'), '1');
    });
  });
}

/** A TCP proxy to Redis that a test can cut and restore on the same port. */
async function redisProxy(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let srv: Server;
  let port = 0;
  const listen = async () => {
    srv = createServer((client) => {
      const upstream = createConnection(Number(target.port || 6379), target.hostname);
      sockets.add(client).add(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    port = (srv.address() as { port: number }).port;
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((r) => srv.close(() => r()));
    },
    restore: listen,
  };
}

describe('Redis cut and restored mid-load', { skip: skip ?? false }, () => {
  const prefix = testPrefix();
  let up: TestUpstream;
  let gw: ServicedGateway;
  let proxy: Awaited<ReturnType<typeof redisProxy>>;
  before(async () => {
    up = await startUpstream();
    proxy = await redisProxy(new URL(REDIS_URL));
    gw = await startServicedGateway({
      upstreamUrl: up.url,
      apiExtra: `    routes:
      upload:
        rateLimit: { limit: 1000, windowSeconds: 3600, by: [ip], failureMode: fail-closed }`,
      extraConfig: `state: { url: "${proxy.url}", prefix: "${prefix}", timeoutMs: 100 }`,
    });
  });
  after(async () => {
    await gw.close();
    await proxy.cut().catch(() => {});
    await up.close();
    await cleanPrefix(prefix);
  });

  test('fail-closed answers 503 while Redis is away and recovers by itself', async () => {
    const post = () => status(`${gw.url}/v1/upload`, { method: 'POST', body: 'x' });
    assert.equal(await post(), 200);
    await proxy.cut();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await post());
    assert.deepEqual(during, [503, 503, 503, 503, 503]);
    await proxy.restore();
    let after = 0;
    for (let i = 0; i < 300 && after !== 200; i++) {
      after = await post();
      if (after !== 200) await sleep(20);
    }
    assert.equal(after, 200, 'serving again once Redis is back');
  });
});
