import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MemoryState } from '../../src/state/memory.ts';
import { RedisState } from '../../src/state/redis.ts';
import type { SharedState } from '../../src/state/types.ts';
import { StateUnavailableError } from '../../src/state/types.ts';
import { cleanPrefix, REDIS_URL, redisSkipReason, testPrefix } from './redis-available.ts';

const skip = await redisSkipReason();
if (skip !== null) console.log(`# SKIP Redis suites: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `pred` holds or `ms` pass; returns whether it held. */
async function within(ms: number, pred: () => boolean): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() <= end) {
    if (pred()) return true;
    await sleep(2);
  }
  return pred();
}

/** The one suite both implementations must pass. `peer` makes a second handle on the same state. */
function sharedSuite(name: string, make: () => Promise<SharedState>, skipReason: string | null): void {
  describe(`SharedState contract: ${name}`, { skip: skipReason ?? false }, () => {
    let s: SharedState;
    before(async () => {
      s = await make();
    });
    after(async () => {
      await s.close();
    });

    test('take allows exactly burst at once, then refuses with a retry time', async () => {
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await s.take('t:burst', 5, 3_600_000, 5));
      assert.deepEqual(
        results.map((r) => r.allowed),
        [true, true, true, true, true, false, false],
      );
      assert.deepEqual(
        results.slice(0, 5).map((r) => r.remaining),
        [4, 3, 2, 1, 0],
      );
      const refused = results[5]!;
      assert.equal(refused.remaining, 0);
      // one unit drips back every period/limit = 720 000 ms
      assert.ok(
        refused.retryAfterMs > 700_000 && refused.retryAfterMs <= 720_000,
        String(refused.retryAfterMs),
      );
      assert.ok(results[4]!.resetMs > 3_500_000 && results[4]!.resetMs <= 3_600_000);
    });

    test('take is atomic under concurrency: N allowed in total', async () => {
      const all = await Promise.all(Array.from({ length: 60 }, () => s.take('t:race', 20, 3_600_000, 20)));
      assert.equal(all.filter((r) => r.allowed).length, 20);
    });

    test('take charges the cost only when allowed', async () => {
      assert.equal((await s.take('t:cost', 10, 3_600_000, 10, 6)).allowed, true);
      const big = await s.take('t:cost', 10, 3_600_000, 10, 6);
      assert.equal(big.allowed, false);
      assert.equal(big.remaining, 4);
      assert.equal((await s.take('t:cost', 10, 3_600_000, 10, 4)).allowed, true);
      assert.equal((await s.take('t:cost', 10, 3_600_000, 10, 1)).allowed, false);
    });

    test('take refills at the steady rate', async () => {
      // 20 per second: one unit back every 50 ms
      for (let i = 0; i < 2; i++) assert.equal((await s.take('t:refill', 20, 1_000, 2)).allowed, true);
      const r = await s.take('t:refill', 20, 1_000, 2);
      assert.equal(r.allowed, false);
      await sleep(r.retryAfterMs + 20);
      assert.equal((await s.take('t:refill', 20, 1_000, 2)).allowed, true);
    });

    test('quota counts up to the limit and never past it', async () => {
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await s.quota('q:a', 3, 60_000));
      assert.deepEqual(
        got.map((q) => [q.allowed, q.used, q.remaining]),
        [
          [true, 1, 2],
          [true, 2, 1],
          [true, 3, 0],
          [false, 3, 0],
        ],
      );
      const all = await Promise.all(Array.from({ length: 30 }, () => s.quota('q:race', 10, 60_000)));
      assert.equal(all.filter((q) => q.allowed).length, 10);
    });

    test('quota counters expire with their window', async () => {
      assert.equal((await s.quota('q:ttl', 1, 40)).allowed, true);
      assert.equal((await s.quota('q:ttl', 1, 40)).allowed, false);
      await sleep(120);
      assert.equal((await s.quota('q:ttl', 1, 40)).allowed, true);
    });

    test('incr, get and del', async () => {
      assert.equal(await s.get('c:x'), 0);
      assert.equal(await s.incr('c:x', 60_000), 1);
      assert.equal(await s.incr('c:x', 60_000, 2), 3);
      assert.equal(await s.get('c:x'), 3);
      await s.del('c:x');
      assert.equal(await s.get('c:x'), 0);
      await s.incr('c:short', 30);
      await sleep(100);
      assert.equal(await s.get('c:short'), 0);
    });

    test('acquire hands out at most limit leases; release frees one', async () => {
      const a = await s.acquire('k:conc', 2, 60_000);
      const b = await s.acquire('k:conc', 2, 60_000);
      assert.ok(a !== null && b !== null && a !== b);
      assert.equal(await s.acquire('k:conc', 2, 60_000), null);
      await s.release('k:conc', a);
      const c = await s.acquire('k:conc', 2, 60_000);
      assert.ok(c !== null);
      // a lease that is never released runs out
      const d = await s.acquire('k:leak', 1, 30);
      assert.ok(d !== null);
      await sleep(100);
      assert.ok((await s.acquire('k:leak', 1, 30)) !== null);
    });

    test('expiring sets: add, check, remove, expire', async () => {
      assert.equal(s.memberUntil('block', 'ip:192.0.2.1'), 0);
      await s.setMember('block', 'ip:192.0.2.1', 60_000);
      const until = s.memberUntil('block', 'ip:192.0.2.1');
      assert.ok(until > Date.now() + 50_000);
      assert.equal(s.memberUntil('revoked', 'ip:192.0.2.1'), 0, 'sets are separate');
      await s.setMember('block', 'ip:192.0.2.1', 0);
      assert.equal(s.memberUntil('block', 'ip:192.0.2.1'), 0);
      await s.setMember('revoked', 'jti|with|bars', 40);
      assert.ok(s.memberUntil('revoked', 'jti|with|bars') > 0);
      await sleep(100);
      assert.equal(s.memberUntil('revoked', 'jti|with|bars'), 0);
    });

    test('members lists the live entries of one set, soonest expiry first', async () => {
      await s.setMember('block', 'ip:192.0.2.7', 120_000);
      await s.setMember('block', 'consumer:eve', 60_000);
      await s.setMember('block', 'ip:192.0.2.8', 30);
      await s.setMember('revoked', 'jti-x', 60_000);
      await sleep(80);
      assert.deepEqual(
        s.members('block').map(([m]) => m),
        ['consumer:eve', 'ip:192.0.2.7'],
      );
      await s.setMember('block', 'ip:192.0.2.7', 0);
      await s.setMember('block', 'consumer:eve', 0);
      await s.setMember('revoked', 'jti-x', 0);
      assert.deepEqual(s.members('block'), []);
    });

    test('publish reaches subscribers; unsubscribe stops them', async () => {
      const got: string[] = [];
      const off = s.subscribe('news', (m) => got.push(m));
      await sleep(50); // let a Redis SUBSCRIBE land
      await s.publish('news', 'hello');
      assert.ok(await within(1_000, () => got.length === 1));
      assert.deepEqual(got, ['hello']);
      off();
      await sleep(50);
      await s.publish('news', 'again');
      await sleep(50);
      assert.deepEqual(got, ['hello']);
    });

    test('healthy', () => {
      assert.equal(s.healthy(), true);
    });
  });
}

sharedSuite('memory', async () => new MemoryState(), null);

const prefix = testPrefix();
const redisOptions = { url: REDIS_URL, prefix, failureMode: 'fail-open' as const, timeoutMs: 500 };
async function redisState(): Promise<RedisState> {
  const s = new RedisState(redisOptions);
  assert.equal(await s.connect(2_000), true);
  return s;
}
sharedSuite('redis', redisState, skip);

describe('memory state with a moved clock', () => {
  test('no double burst at a window edge: any interval d passes at most burst + d·rate', () => {
    let now = 1_000_000;
    const s = new MemoryState({ now: () => now });
    // 10 per second, burst 10. A fixed window would let 10 through at t=999 and 10 more at t=1001.
    now += 999;
    let passed = 0;
    for (let i = 0; i < 10; i++) if (s.takeNow('edge', 10, 1_000, 10).allowed) passed++;
    now += 2;
    for (let i = 0; i < 10; i++) if (s.takeNow('edge', 10, 1_000, 10).allowed) passed++;
    assert.equal(passed, 10);
    // after a full period the bucket has refilled, and no more
    now += 1_000;
    passed = 0;
    for (let i = 0; i < 20; i++) if (s.takeNow('edge', 10, 1_000, 10).allowed) passed++;
    assert.equal(passed, 10);
  });

  test('the bound holds for random arrivals', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, limit, burst) => {
          let now = 0;
          const s = new MemoryState({ now: () => now });
          const times: number[] = [];
          for (const g of gaps) {
            now += g;
            if (s.takeNow('k', limit, 1_000, burst).allowed) times.push(now);
          }
          for (let i = 0; i < times.length; i++) {
            for (let j = i; j < times.length; j++) {
              const d = times[j]! - times[i]!;
              assert.ok(j - i + 1 <= burst + Math.floor((d * limit) / 1_000) + 1e-9);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('the counter table stays bounded', async () => {
    const s = new MemoryState({ maxKeys: 100 });
    for (let i = 0; i < 1_000; i++) await s.incr(`k${i}`, 60_000);
    assert.ok((await s.get('k999')) === 1);
    let live = 0;
    for (let i = 0; i < 1_000; i++) if ((await s.get(`k${i}`)) > 0) live++;
    assert.ok(live <= 100, String(live));
  });
});

describe('redis state across processes', { skip: skip ?? false }, () => {
  let a: RedisState;
  let b: RedisState;
  before(async () => {
    a = await redisState();
    b = await redisState();
  });
  after(async () => {
    await a.close();
    await b.close();
    await cleanPrefix(prefix);
  });

  test('two handles share one limit exactly', async () => {
    const both = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take('x:shared', 15, 3_600_000, 15)),
    );
    assert.equal(both.filter((r) => r.allowed).length, 15);
  });

  test('a block reaches the other handle within 100 ms', async () => {
    await sleep(50); // both subscribed to the set channel
    await a.setMember('block', 'consumer:mallory', 60_000);
    assert.ok(await within(100, () => b.memberUntil('block', 'consumer:mallory') > 0));
    await b.setMember('block', 'consumer:mallory', 0);
    assert.ok(await within(100, () => a.memberUntil('block', 'consumer:mallory') === 0));
  });

  test('a new handle loads blocks and revocations made before it started', async () => {
    await a.setMember('revoked', 'jti-123', 60_000);
    const c = await redisState();
    try {
      assert.ok(await within(1_000, () => c.memberUntil('revoked', 'jti-123') > 0));
    } finally {
      await c.close();
    }
  });

  test('publish crosses handles', async () => {
    const got: string[] = [];
    const off = b.subscribe('config', (m) => got.push(m));
    await sleep(50);
    await a.publish('config', 'reload');
    assert.ok(await within(1_000, () => got.length === 1));
    off();
  });

  test('the takes and quota checks of one turn reach Redis as one script run, each exact', async (t) => {
    const { Redis } = await import('ioredis');
    const watcher = new Redis(REDIS_URL);
    // the monitor's own connection, made here and closed by an after hook: a test that times out
    // never reaches its finally, and an open connection would keep this file's process alive
    const monitor = new Redis(REDIS_URL, { monitor: true });
    t.after(() => {
      monitor.disconnect();
      watcher.disconnect();
    });
    let monitoring = false;
    monitor.once('monitoring', () => {
      monitoring = true;
    });
    assert.ok(await within(5_000, () => monitoring), `MONITOR not entered (status ${monitor.status})`);
    const runs: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      // MONITOR also lists the commands a script runs: count the script runs only
      const command = args[0]?.toLowerCase();
      if ((command === 'evalsha' || command === 'eval') && args.some((x) => x.startsWith(`${prefix}x:batch`)))
        runs.push(args);
    });
    await sleep(50);
    // 150 calls in one turn: three runs (at most 64 items each), in call order
    const calls = Array.from({ length: 150 }, (_, i) =>
      i % 3 === 2 ? a.quota('x:batch:q', 20, 60_000) : a.take(`x:batch:t${i % 3}`, 30, 3_600_000, 30),
    );
    const results = await Promise.all(calls);
    const allowed = (pick: (i: number) => boolean) => results.filter((r, i) => pick(i) && r.allowed).length;
    assert.equal(
      allowed((i) => i % 3 === 0),
      30,
    );
    assert.equal(
      allowed((i) => i % 3 === 1),
      30,
    );
    assert.equal(
      allowed((i) => i % 3 === 2),
      20,
    );
    // a key read once and written once per run still answers item by item: remaining counts down
    const t0 = results.filter((_, i) => i % 3 === 0);
    assert.deepEqual(
      t0.slice(0, 30).map((r) => (r as { remaining: number }).remaining),
      Array.from({ length: 30 }, (_, i) => 29 - i),
    );

    // the quota counts up in call order: the first 20 allowed, then refused with used = 20
    const quotas = results.filter((_, i) => i % 3 === 2) as { allowed: boolean; used: number }[];
    assert.deepEqual(
      quotas.map((q) => q.used),
      [...Array.from({ length: 20 }, (_, i) => i + 1), ...Array.from({ length: 30 }, () => 20)],
    );
    assert.ok(await within(1_000, () => runs.length >= 3));
    await sleep(50);
    assert.equal(runs.length, 3, runs.map((r) => r.slice(0, 3).join(' ')).join('\n'));
    assert.deepEqual(
      runs.map((r) => Number(r[2])),
      [64, 64, 22],
    );
    // the state the runs left behind holds in the next turn, with its TTL
    assert.equal((await a.take('x:batch:t0', 30, 3_600_000, 30)).allowed, false);
    const ttl = await watcher.pttl(`${prefix}x:batch:t0`);
    assert.ok(ttl > 0 && ttl <= 3_600_000, `TTL ${ttl}`);
  });

  test('the script cache is refilled after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
    const { Redis } = await import('ioredis');
    const admin = new Redis(REDIS_URL);
    try {
      await admin.script('FLUSH');
    } finally {
      admin.disconnect();
    }
    assert.equal((await a.take('x:flush', 1, 60_000, 1)).allowed, true);
    assert.equal((await a.take('x:flush', 1, 60_000, 1)).allowed, false);
  });
});

describe('redis faults never hang or crash', () => {
  test('a closed port: commands fail fast with StateUnavailableError', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const s = new RedisState({ ...redisOptions, url: `redis://127.0.0.1:${port}`, timeoutMs: 100 });
    assert.equal(await s.connect(200), false);
    assert.equal(s.healthy(), false);
    await assert.rejects(s.take('k', 1, 1_000, 1), StateUnavailableError);
    await assert.rejects(s.quota('k', 1, 1_000), StateUnavailableError);
    // a block still applies locally while Redis is away
    await assert.rejects(s.setMember('block', 'ip:198.51.100.7', 60_000), StateUnavailableError);
    assert.ok(s.memberUntil('block', 'ip:198.51.100.7') > 0);
    await s.close();
  });

  test('a batch answered with a reply of another shape fails its callers instead of leaving them waiting', async () => {
    // the state's subscriber connection gets true SUBSCRIBE replies; the batch script the integer 1
    const fake = await fakeRedis(
      (channel, k) => `*3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:${k}\r\n`,
    );
    const s = new RedisState({ ...redisOptions, url: fake.url, timeoutMs: 1_000 });
    try {
      assert.equal(await s.connect(1_000), true);
      // two callers in one turn share the batch, and both are told
      const both = await Promise.allSettled([s.take('k', 1, 1_000, 1), s.quota('q', 1, 1_000)]);
      assert.deepEqual(
        both.map((r) => r.status === 'rejected' && r.reason instanceof StateUnavailableError),
        [true, true],
      );
      assert.match(String((both[0] as PromiseRejectedResult).reason.message), /malformed reply/);
    } finally {
      await s.close();
      await fake.close();
    }
  });

  test('a SUBSCRIBE answered with a reply of another shape drops the connection, not the process', async () => {
    // ioredis reads a SUBSCRIBE reply as an array: an integer made it throw where nothing catches
    const fake = await fakeRedis(() => ':1\r\n');
    const s = new RedisState({ ...redisOptions, url: fake.url, timeoutMs: 1_000 });
    try {
      await s.connect(1_000);
      assert.ok(
        await within(3_000, () => s.lastError === 'ERR_STATE_MALFORMED_REPLY'),
        `lastError: ${s.lastError}`,
      );
      // the subscriber reconnects, and is refused again, with backoff: the process lives on
      assert.ok(fake.connections() >= 3, `connections: ${fake.connections()}`);
      // the other connection still carries commands to the server
      await assert.rejects(s.take('k', 1, 1_000, 1), /malformed reply/);
    } finally {
      await s.close();
      await fake.close();
    }
  });

  test('a server that accepts and never answers: commands time out', async () => {
    const sockets = new Set<Socket>();
    const srv: Server = createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const s = new RedisState({ ...redisOptions, url: `redis://127.0.0.1:${port}`, timeoutMs: 100 });
    try {
      await s.connect(200);
      await assert.rejects(s.take('k', 1, 1_000, 1), StateUnavailableError);
      await assert.rejects(s.incr('k', 1_000), StateUnavailableError);
    } finally {
      await s.close();
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});

/**
 * A server speaking just enough RESP for RedisState: INFO gets a server's answer, SUBSCRIBE of
 * channel k (from 1) gets `subscribeReply`, any other command the integer 1.
 */
async function fakeRedis(subscribeReply: (channel: string, k: number) => string): Promise<{
  readonly url: string;
  connections(): number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const srv: Server = createServer((sock) => {
    sockets.add(sock);
    connections++;
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const args = takeCommand();
        if (args === null) return;
        const name = args[0]?.toLowerCase();
        if (name === 'info') {
          const info = 'redis_version:7.0.0\r\nloading:0\r\n';
          sock.write(`$${info.length}\r\n${info}\r\n`);
        } else if (name === 'subscribe') {
          for (const [k, channel] of args.slice(1).entries()) sock.write(subscribeReply(channel, k + 1));
        } else sock.write(':1\r\n');
      }
    });
    /** One whole command off the buffer, or null until it has arrived. */
    function takeCommand(): string[] | null {
      let at = buf.indexOf('\r\n');
      if (!buf.startsWith('*') || at < 0) return null;
      const n = Number(buf.slice(1, at));
      const args: string[] = [];
      let i = at + 2;
      for (let k = 0; k < n; k++) {
        at = buf.indexOf('\r\n', i);
        if (at < 0) return null;
        const len = Number(buf.slice(i + 1, at));
        if (buf.length < at + 2 + len + 2) return null;
        args.push(buf.slice(at + 2, at + 2 + len));
        i = at + 2 + len + 2;
      }
      buf = buf.slice(i);
      return args;
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
