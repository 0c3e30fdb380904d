import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { benchConfig, rampartRedisRow } from '../../bench/lib/node-rows.ts';
import { hasCommand, tryConnect } from '../../bench/lib/procs.ts';
import type { RowContext } from '../../bench/lib/target.ts';
import { type StartedServer, startUpstream } from '../../bench/upstream.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const redisConfig = join(repoRoot, 'bench/configs/ratelimit-redis.yaml');

describe('bench config copies', () => {
  test('the state URL is replaced only when the row gives one', () => {
    const own = parse(benchConfig(redisConfig, 1234, 'http://127.0.0.1:9', 'redis://127.0.0.1:7777'));
    assert.equal(own.state.url, 'redis://127.0.0.1:7777');
    assert.equal(own.state.prefix, 'rampart-bench:', 'the rest of the state section stays');
    assert.deepEqual(own.listeners, [{ host: '127.0.0.1', port: 1234 }]);
    const machine = parse(benchConfig(redisConfig, 1234, 'http://127.0.0.1:9'));
    assert.equal(machine.state.url, 'redis://127.0.0.1:6379');
  });
});

describe('Redis limiter rows', () => {
  let upstream: StartedServer;
  let tmp: string;
  before(async () => {
    upstream = await startUpstream('127.0.0.1', 0);
    tmp = mkdtempSync(join(tmpdir(), 'rampart-bench-rows-'));
  });
  after(async () => {
    await upstream.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('run the gateway against a redis-server of their own, stopped with the row', async (t) => {
    if (!hasCommand('redis-server')) {
      t.skip('redis-server is not installed (Debian: redis-server); the row then uses the machine Redis');
      return;
    }
    const logs: string[] = [];
    const ctx: RowContext = {
      repoRoot,
      upstreamUrl: upstream.url,
      tmpDir: tmp,
      proxyCpu: null,
      loadCpu: null,
      log: (m) => logs.push(m),
    };
    const target = await rampartRedisRow('bench/configs/ratelimit-redis.yaml')(ctx);
    assert.ok(!('skip' in target), `skipped: ${'skip' in target ? target.skip : ''}; ${logs.join('\n')}`);
    try {
      assert.match(target.note ?? '', /its own redis-server/);
      const res = await fetch(`${target.url}/items/1`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('ratelimit') ?? '', /r=\d+/, 'the limiter answered through its Redis');
      await res.arrayBuffer();
    } finally {
      await target.stop();
    }
    const copy = readFileSync(join(tmp, 'rampart-ratelimit-redis.yaml'), 'utf8');
    const port = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(copy)?.[1]);
    assert.ok(port > 0 && port !== 6379, `the row's own port, got ${port}`);
    assert.equal(await tryConnect(port), false, 'its redis-server stopped with the row');
  });
});
