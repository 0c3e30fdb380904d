import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LocalBudget } from '../../src/state/budget.ts';
import { RedisState } from '../../src/state/redis.ts';
import type { RateResult, SharedState } from '../../src/state/types.ts';
import { StateUnavailableError } from '../../src/state/types.ts';
import { cleanPrefix, REDIS_URL, redisSkipReason, testPrefix } from './redis-available.ts';

const skip = await redisSkipReason();
if (skip !== null) console.log(`# SKIP local budget suite: ${skip}`);

/** Counts the round trips a budget sends to the shared state. */
function counting(s: SharedState): { state: SharedState; takes: () => number } {
  let n = 0;
  const state = Object.create(s) as SharedState;
  state.take = (...args: Parameters<SharedState['take']>): Promise<RateResult> => {
    n++;
    return s.take(...args);
  };
  return { state, takes: () => n };
}

describe('LocalBudget on Redis (the local pre-check)', { skip: skip ?? false }, () => {
  const prefix = testPrefix();
  const opts = { url: REDIS_URL, prefix, failureMode: 'fail-open' as const, timeoutMs: 500 };
  let a: RedisState;
  let b: RedisState;
  before(async () => {
    a = new RedisState(opts);
    b = new RedisState(opts);
    assert.equal(await a.connect(2_000), true);
    assert.equal(await b.connect(2_000), true);
  });
  after(async () => {
    await a.close();
    await b.close();
    await cleanPrefix(prefix);
  });

  test('two processes, slice 10: never more than limit + N×slice pass; here exactly the limit', async () => {
    const limit = 100;
    const slice = 10;
    const ca = counting(a);
    const cb = counting(b);
    const budgets = [
      new LocalBudget(ca.state, { slice, leaseMs: 60_000 }),
      new LocalBudget(cb.state, { slice, leaseMs: 60_000 }),
    ];
    let passed = 0;
    let requests = 0;
    // both processes send in turn, several at once, until both are refused
    const refused = [false, false];
    while (!(refused[0] && refused[1]) && requests < 1_000) {
      for (let p = 0; p < 2; p++) {
        const rs = await Promise.all(
          Array.from({ length: 3 }, () => budgets[p]!.take('k:shared', limit, 3_600_000, limit)),
        );
        requests += rs.length;
        for (const r of rs) if (r.allowed) passed++;
        refused[p] = rs.some((r) => !r.allowed);
      }
    }
    // the stated bound: limit + N×slice
    assert.ok(passed <= limit + 2 * slice, String(passed));
    // reservations are counted in Redis up front and refusals come only once a budget is empty: exact
    assert.equal(passed, limit);
    // most requests did not wait for Redis: one round trip per slice, plus the exact tail
    const trips = ca.takes() + cb.takes();
    assert.ok(trips <= limit / slice + 2 * (slice + 6), `round trips ${trips}`);
    assert.ok(trips < passed / 2, `round trips ${trips} for ${passed} passed`);
  });

  test('a budget whose lease ended reserves again; the unspent rest is dropped, never over-allowed', async () => {
    const budget = new LocalBudget(a, { slice: 5, leaseMs: 1 });
    const first = await budget.take('k:lease', 20, 3_600_000, 20);
    assert.equal(first.allowed, true);
    await new Promise((r) => setTimeout(r, 5));
    let passed = 1;
    for (let i = 0; i < 40; i++) if ((await budget.take('k:lease', 20, 3_600_000, 20)).allowed) passed++;
    assert.ok(passed <= 20, String(passed));
    // what Redis counted is what was reserved: the limit is never exceeded
    const direct = await b.take('k:lease', 20, 3_600_000, 20);
    assert.equal(direct.allowed, false);
  });

  test('a cost of a slice or more goes straight to the shared limit', async () => {
    const c = counting(a);
    const budget = new LocalBudget(c.state, { slice: 4, leaseMs: 60_000 });
    const r = await budget.take('k:cost', 10, 3_600_000, 10, 5);
    assert.equal(r.allowed, true);
    assert.equal(r.remaining, 5);
    assert.equal(c.takes(), 1);
  });
});

test('an unreachable shared state fails the take after one round trip (the policy then applies its failure mode)', async () => {
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const state = new RedisState({
    url: `redis://127.0.0.1:${port}`,
    prefix: 'x:',
    failureMode: 'fail-open',
    timeoutMs: 100,
  });
  try {
    await state.connect(50);
    const c = counting(state);
    const budget = new LocalBudget(c.state, { slice: 5, leaseMs: 1_000 });
    await assert.rejects(budget.take('k', 10, 60_000, 10), StateUnavailableError);
    assert.equal(c.takes(), 1);
  } finally {
    await state.close();
  }
});
