/**
 * The shared state on a real Redis Cluster: three masters started here as child processes
 * (redis-server --cluster-enabled yes, joined with redis-cli --cluster create), reached through a
 * `redis+cluster://` URL. Keys of one limit land on different masters, two handles share one limit
 * exactly, scripts come back after a SCRIPT FLUSH, broadcasts cross nodes, and a gateway enforces a
 * limit through the cluster. Skipped, with the reason, when redis-server or redis-cli is missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedisState } from '../../src/state/redis.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from './gateway.ts';
import { testPrefix } from './redis-available.ts';
import { cli, missingRedisTools, stopAll, until } from './redis-procs.ts';

const MASTERS = 3;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

/** Three masters on free ports in a temp dir; `stop` ends them and removes the dir. */
async function startCluster(): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-redis-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  const procs: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await stopAll(procs);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < MASTERS; i++) {
      const port = await clusterPort(taken);
      ports.push(port);
      const p = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
        ],
        { stdio: 'ignore' },
      );
      procs.push(p);
    }
    for (const port of ports)
      await until(`redis-server on ${port}`, 10_000, () => cli(port, 'PING').includes('PONG'));
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
    for (const port of ports) {
      await until(`cluster state ok on ${port}`, 20_000, () =>
        cli(port, 'CLUSTER', 'INFO').includes('cluster_state:ok'),
      );
    }
    return { ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const skip = missingRedisTools('cluster');
if (skip !== null) console.log(`# SKIP Redis Cluster tests: ${skip}`);

describe('shared state on a real Redis Cluster (3 masters)', { skip: skip ?? false }, () => {
  let cluster: { ports: number[]; stop(): Promise<void> };
  let url: string;
  const prefix = testPrefix();
  const states: RedisState[] = [];

  async function open(): Promise<RedisState> {
    const s = new RedisState({ url, prefix, timeoutMs: 2_000, failureMode: 'fail-closed' });
    states.push(s);
    assert.equal(await s.connect(10_000), true, 'the cluster client is ready');
    return s;
  }

  before(async () => {
    cluster = await startCluster();
    // two seeds of three: the client finds the third from the cluster's own slot map
    url = `redis+cluster://127.0.0.1:${cluster.ports[0]},127.0.0.1:${cluster.ports[1]}`;
  });

  after(async () => {
    await Promise.all(states.map((s) => s.close()));
    await cluster?.stop();
  });

  test('limits on keys spread over every master are each exact', async () => {
    const s = await open();
    const keys = Array.from({ length: 24 }, (_, i) => `rl:spread:${i}`);
    for (const key of keys) {
      const allowed: boolean[] = [];
      for (let i = 0; i < 4; i++) allowed.push((await s.take(key, 3, 3_600_000, 3)).allowed);
      assert.deepEqual(allowed, [true, true, true, false], key);
    }
    // the keys really live on different masters (slots are spread by key hash)
    const holding = cluster.ports.filter((p) => Number(cli(p, 'DBSIZE').trim()) > 0);
    assert.ok(holding.length >= 2, `keys on ${holding.length} master(s)`);
  });

  test('two handles (two gateways) share one limit exactly: N allowed in total, not 2N', async () => {
    const a = await open();
    const b = await open();
    const takes = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).take('rl:shared', 10, 3_600_000, 10),
    );
    const results = await Promise.all(takes);
    assert.equal(results.filter((r) => r.allowed).length, 10);
  });

  test('quotas and counters work per key on the cluster', async () => {
    const s = await open();
    const q = [];
    for (let i = 0; i < 3; i++) q.push((await s.quota('q:day', 2, 60_000)).allowed);
    assert.deepEqual(q, [true, true, false]);
    assert.equal(await s.incr('c:n', 60_000), 1);
    assert.equal(await s.incr('c:n', 60_000, 4), 5);
    assert.equal(await s.get('c:n'), 5);
  });

  test('a script cache flushed on every master is refilled (NOSCRIPT falls back to EVAL)', async () => {
    const s = await open();
    assert.equal((await s.take('rl:flush', 2, 3_600_000, 2)).allowed, true);
    for (const p of cluster.ports) assert.match(cli(p, 'SCRIPT', 'FLUSH'), /OK/);
    assert.equal((await s.take('rl:flush', 2, 3_600_000, 2)).allowed, true);
    assert.equal((await s.take('rl:flush', 2, 3_600_000, 2)).allowed, false);
  });

  test('a block set through one handle reaches the other (pub/sub across nodes)', async () => {
    const a = await open();
    const b = await open();
    await a.setMember('block', 'ip:203.0.113.9', 60_000);
    await until(
      'the block to reach the other handle',
      5_000,
      () => b.memberUntil('block', 'ip:203.0.113.9') > Date.now(),
    );
  });

  describe('a gateway whose state is the cluster', () => {
    let up: TestUpstream;
    let gw: ServicedGateway;

    before(async () => {
      up = await startUpstream();
      gw = await startServicedGateway({
        upstreamUrl: up.url,
        apiExtra: `    routes:
      health:
        rateLimit: { limit: 5, windowSeconds: 3600, by: [ip] }`,
        extraConfig: `state: { url: "${url}", prefix: "${testPrefix()}", failureMode: fail-closed, timeoutMs: 2000 }`,
      });
    });

    after(async () => {
      await gw?.close();
      await up?.close();
    });

    test('allows the limit, then answers 429 with Retry-After', async () => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const res = await fetch(`${gw.url}/v1/health`);
        await res.arrayBuffer();
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.ok(retryAfter !== null && Number(retryAfter) >= 1);
    });
  });
});
