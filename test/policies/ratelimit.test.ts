import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RoutePolicy } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import type { RequestContext, Verdict } from '../../src/gateway/pipeline.ts';
import { setIdentity } from '../../src/policies/identity.ts';
import {
  compileLimits,
  createRateLimiter,
  policyHeader,
  quotaWindow,
  subjectParts,
} from '../../src/policies/ratelimit.ts';
import { stateFailureChannel } from '../../src/state/diagnostics.ts';
import { MemoryState } from '../../src/state/memory.ts';
import { RedisState } from '../../src/state/redis.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from '../state/gateway.ts';

function context(ip = '192.0.2.10'): RequestContext {
  return {
    req: {} as IncomingMessage,
    requestId: 'r1',
    path: '/x',
    query: '',
    params: {},
    clientIp: ip,
    secure: false,
    facts: Object.create(null) as Record<string, unknown>,
    responseHeaders: [],
    upstreamHeaders: [],
  };
}

const scope = { route: 'test:GET /x', upstream: 'app' };

function limiter(policy: RoutePolicy, state = new MemoryState(), local = new MemoryState()) {
  return createRateLimiter(compileLimits(policy, [], true), state, local, scope);
}

function header(ctx: RequestContext, name: string): string | undefined {
  return ctx.responseHeaders.find(([k]) => k === name)?.[1];
}

describe('rate limit compilation', () => {
  test('defaults: burst = limit, by consumer, named "default"', () => {
    const l = compileLimits({ rateLimit: { limit: 100, windowSeconds: 60 } }, [], true);
    assert.equal(l.rate.length, 1);
    assert.equal(l.rate[0]!.name, 'default');
    assert.equal(l.rate[0]!.burst, 100);
    assert.deepEqual(l.rate[0]!.by, ['consumer']);
    assert.equal(policyHeader(l), '"default";q=100;w=60');
  });

  test('the config default applies only where the route sets none; [] opts out', () => {
    const defaults = [{ limit: 10, windowSeconds: 1 }];
    assert.equal(compileLimits({}, defaults, true).rate.length, 1);
    assert.equal(compileLimits({ rateLimit: [] }, defaults, true).rate.length, 0);
  });

  test('impossible rules fail at load', () => {
    assert.throws(
      () => compileLimits({ rateLimit: { limit: 5, windowSeconds: 1, burst: 2, cost: 3 } }, [], true),
      ConfigError,
    );
    assert.throws(
      () =>
        compileLimits(
          {
            rateLimit: [
              { name: 'a', limit: 5, windowSeconds: 1 },
              { name: 'a', limit: 50, windowSeconds: 60 },
            ],
          },
          [],
          true,
        ),
      ConfigError,
    );
  });

  test('quota windows are UTC calendar days and months', () => {
    const t = Date.UTC(2025, 11, 31, 23, 59, 59);
    assert.deepEqual(quotaWindow('day', t), { id: 'd2025-12-31', end: Date.UTC(2026, 0, 1) });
    assert.deepEqual(quotaWindow('month', t), { id: 'm2025-12', end: Date.UTC(2026, 0, 1) });
  });

  test('subjects: anonymous callers are counted by IP, identified ones by consumer or key', () => {
    const ctx = context();
    assert.deepEqual(subjectParts(['consumer', 'apikey'], ctx, scope), ['ip=192.0.2.10', 'ip=192.0.2.10']);
    setIdentity(ctx, { consumer: 'alice', kind: 'apikey', roles: [], scopes: [], keyId: 'k1' });
    assert.deepEqual(subjectParts(['consumer', 'apikey', 'ip', 'route', 'upstream'], ctx, scope), [
      'c=alice',
      'k=k1',
      'ip=192.0.2.10',
      'r=test:GET /x',
      'u=app',
    ]);
  });
});

describe('rate limiter', () => {
  test('allows the limit, then 429 ratelimit.exceeded with Retry-After and IETF headers', async () => {
    const run = limiter({ rateLimit: { limit: 3, windowSeconds: 60 } });
    const verdicts: Verdict[] = [];
    const ctxs: RequestContext[] = [];
    for (let i = 0; i < 4; i++) {
      const ctx = context();
      ctxs.push(ctx);
      verdicts.push(await run(ctx));
    }
    assert.deepEqual(
      verdicts.map((v) => v.kind),
      ['continue', 'continue', 'continue', 'refuse'],
    );
    assert.equal(header(ctxs[0]!, 'ratelimit-policy'), '"default";q=3;w=60');
    assert.equal(header(ctxs[0]!, 'ratelimit'), '"default";r=2;t=20');
    assert.equal(header(ctxs[2]!, 'ratelimit'), '"default";r=0;t=60');
    const refused = verdicts[3]!;
    assert.ok(refused.kind === 'refuse');
    assert.equal(refused.refusal.code, 'ratelimit.exceeded');
    assert.equal(refused.refusal.headers?.['retry-after'], '20');
    assert.equal(header(ctxs[3]!, 'ratelimit'), '"default";r=0;t=60');
  });

  test('limits are per subject', async () => {
    const run = limiter({ rateLimit: { limit: 1, windowSeconds: 60, by: ['ip'] } });
    assert.equal((await run(context('192.0.2.1'))).kind, 'continue');
    assert.equal((await run(context('192.0.2.2'))).kind, 'continue');
    assert.equal((await run(context('192.0.2.1'))).kind, 'refuse');
    assert.equal((await run(context('192.0.2.2'))).kind, 'refuse');
    assert.equal((await run(context('192.0.2.3'))).kind, 'continue');
  });

  test('by consumer, two identities behind one IP are two subjects', async () => {
    const run = limiter({ rateLimit: { limit: 1, windowSeconds: 60, by: ['consumer'] } });
    const as = (consumer: string) => {
      const ctx = context('192.0.2.1');
      setIdentity(ctx, { consumer, kind: 'apikey', roles: [], scopes: [] });
      return ctx;
    };
    assert.equal((await run(as('alice'))).kind, 'continue');
    assert.equal((await run(as('bob'))).kind, 'continue');
    assert.equal((await run(as('alice'))).kind, 'refuse');
    assert.equal((await run(context('192.0.2.1'))).kind, 'continue', 'anonymous: counted by IP');
  });

  test('the most restrictive of several rules refuses', async () => {
    const run = limiter({
      rateLimit: [
        { name: 'burst', limit: 2, windowSeconds: 1 },
        { name: 'hourly', limit: 100, windowSeconds: 3600 },
      ],
    });
    const ctx = context();
    await run(context());
    await run(context());
    const v = await run(ctx);
    assert.ok(v.kind === 'refuse');
    assert.match(header(ctx, 'ratelimit') ?? '', /^"burst";r=0;t=\d+, "hourly";r=97;t=\d+$/);
    assert.equal(header(ctx, 'ratelimit-policy'), '"burst";q=2;w=1, "hourly";q=100;w=3600');
  });

  test('quota: refused with ratelimit.quota once the day is used up', async () => {
    const run = limiter({ rateLimit: [], quota: { limit: 2, period: 'day' } });
    assert.equal((await run(context())).kind, 'continue');
    const ctx = context();
    assert.equal((await run(ctx)).kind, 'continue');
    assert.match(header(ctx, 'ratelimit') ?? '', /"daily";r=0;t=\d+/);
    const v = await run(context());
    assert.ok(v.kind === 'refuse');
    assert.equal(v.refusal.code, 'ratelimit.quota');
    assert.ok(Number(v.refusal.headers?.['retry-after']) <= 86_400);
  });

  test('concurrency: immediate 503 over the limit; the response frees the slot', async () => {
    const run = limiter({ rateLimit: [], concurrency: { limit: 2 } });
    const a = context();
    const b = context();
    assert.equal((await run(a)).kind, 'continue');
    assert.equal((await run(b)).kind, 'continue');
    const c = await run(context());
    assert.ok(c.kind === 'refuse');
    assert.equal(c.refusal.code, 'ratelimit.concurrency');
    a.onResponse?.(200);
    await new Promise((r) => setImmediate(r));
    assert.equal((await run(context())).kind, 'continue');
  });
});

describe('rate limiter with Redis unreachable', () => {
  let dead: RedisState;
  const failures: unknown[] = [];
  const onFailure = (m: unknown) => failures.push(m);
  before(async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    dead = new RedisState({
      url: `redis://127.0.0.1:${port}`,
      prefix: 'x:',
      failureMode: 'fail-open',
      timeoutMs: 50,
    });
    await dead.connect(100);
    stateFailureChannel.subscribe(onFailure);
  });
  after(async () => {
    stateFailureChannel.unsubscribe(onFailure);
    await dead.close();
  });

  test('fail-open: local limits only, and a failure event', async () => {
    const run = limiter(
      { rateLimit: { limit: 2, windowSeconds: 60, failureMode: 'fail-open' } },
      dead as never,
    );
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await run(context())).kind);
    assert.deepEqual(kinds, ['continue', 'continue', 'refuse']);
    assert.ok(failures.length >= 3);
    assert.equal((failures[0] as { failureMode: string }).failureMode, 'fail-open');
  });

  test('fail-closed: 503 ratelimit.unavailable', async () => {
    const run = limiter(
      { rateLimit: { limit: 2, windowSeconds: 60, failureMode: 'fail-closed' } },
      dead as never,
    );
    const v = await run(context());
    assert.ok(v.kind === 'refuse');
    assert.equal(v.refusal.code, 'ratelimit.unavailable');
  });
});

describe('rate limits through the gateway', () => {
  let up: TestUpstream;
  let gw: ServicedGateway;
  before(async () => {
    up = await startUpstream();
    gw = await startServicedGateway({
      upstreamUrl: up.url,
      apiExtra: `    routes:
      health:
        rateLimit: { limit: 3, windowSeconds: 60, by: [ip] }
      upload:
        rateLimit: []`,
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('the limit holds; every response of the route carries the RateLimit headers', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${gw.url}/v1/health`);
      statuses.push(last.status);
      if (i === 0) {
        assert.equal(last.headers.get('ratelimit-policy'), '"default";q=3;w=60');
        assert.equal(last.headers.get('ratelimit'), '"default";r=2;t=20');
      }
      if (i < 3) await last.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(last!.headers.get('content-type'), 'application/problem+json');
    assert.equal(last!.headers.get('retry-after'), '20');
    assert.equal(last!.headers.get('ratelimit-policy'), '"default";q=3;w=60');
    const body = (await last!.json()) as { code: string; status: number };
    assert.equal(body.code, 'ratelimit.exceeded');
    assert.equal(body.status, 429);
    assert.equal(up.seen.length, 3, 'the refused request never reached the upstream');
  });

  test('a route without limits carries no RateLimit headers', async () => {
    const res = await fetch(`${gw.url}/v1/upload`, { method: 'POST', body: 'x' });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit'), null);
  });
});
