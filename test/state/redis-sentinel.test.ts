/**
 * The shared state through a real Redis Sentinel: a master, a replica and one sentinel started here
 * as child processes, reached through a `redis+sentinel://` URL. A limit is exact, two handles
 * share it and see each other's blocks, and after a sentinel failover the state answers again from
 * the promoted replica. Skipped, with the reason, when redis-server or redis-cli is missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedisState } from '../../src/state/redis.ts';
import { testPrefix } from './redis-available.ts';
import { cli, missingRedisTools, stopAll, until } from './redis-procs.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const skip = missingRedisTools('sentinel');

describe('shared state through Redis Sentinel', { skip: skip ?? false }, () => {
  let dir = '';
  const procs: ChildProcess[] = [];
  let master = 0;
  let replica = 0;
  let sentinel = 0;
  let url = '';
  const handles: RedisState[] = [];
  // one prefix for every handle: they are processes of one deployment
  const prefix = testPrefix();
  const open = async () => {
    const s = new RedisState({ url, prefix, timeoutMs: 2_000, failureMode: 'fail-closed' });
    handles.push(s);
    await s.connect(5_000);
    return s;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-redis-sentinel-'));
    [master, replica, sentinel] = [await freePort(), await freePort(), await freePort()];
    const server = (port: number, ...extra: string[]) =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          ...extra,
        ],
        { stdio: 'ignore' },
      );
    procs.push(server(master), server(replica, '--replicaof', '127.0.0.1', String(master)));
    await until('the master', 10_000, () => cli(master, 'PING').includes('PONG'));
    await until('the replica in sync', 15_000, () =>
      cli(replica, 'INFO', 'replication').includes('master_link_status:up'),
    );
    const conf = join(dir, 'sentinel.conf');
    await writeFile(
      conf,
      [
        `port ${sentinel}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${master} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 5000',
        '',
      ].join('\n'),
    );
    procs.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await until('the sentinel to know the replica', 15_000, () =>
      cli(sentinel, 'SENTINEL', 'REPLICAS', 'mymaster').includes(String(replica)),
    );
    url = `redis+sentinel://127.0.0.1:${sentinel}/mymaster`;
  });

  after(async () => {
    for (const h of handles) await h.close().catch(() => {});
    await stopAll(procs);
    await rm(dir, { recursive: true, force: true });
  });

  test('a limit is exact and shared by two handles found through the sentinel', async () => {
    const a = await open();
    const b = await open();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).take('rl:shared', 10, 60_000, 10)),
    );
    assert.equal(results.filter((r) => r.allowed).length, 10);
  });

  test('a block set through one handle reaches the other', async () => {
    const a = await open();
    const b = await open();
    await sleep(200); // both subscribed
    await a.setMember('block', 'ip:192.0.2.44', 60_000);
    await until('the block on the other handle', 5_000, () => b.memberUntil('block', 'ip:192.0.2.44') > 0);
  });

  test('after a failover the state answers from the promoted replica', async () => {
    const s = await open();
    assert.equal((await s.take('rl:failover', 100, 60_000, 100)).allowed, true);
    assert.match(cli(sentinel, 'SENTINEL', 'FAILOVER', 'mymaster'), /OK/);
    await until('the replica promoted', 20_000, () => cli(replica, 'ROLE').startsWith('master'));
    // and the old master demoted (before that it may still take writes that would be lost)
    await until('the old master demoted', 20_000, () => cli(master, 'ROLE').startsWith('slave'));
    await until('the state answering again', 20_000, async () => {
      try {
        return (await s.take('rl:failover-after', 100, 60_000, 100)).allowed;
      } catch {
        return false;
      }
    });
    assert.match(cli(replica, 'ROLE'), /^master/);
    // the write after the failover went to the promoted server
    assert.match(cli(replica, '--scan', '--pattern', `${prefix}*failover-after*`), /failover-after/);
  });
});
