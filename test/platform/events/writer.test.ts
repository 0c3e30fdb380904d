import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { AccessRecord } from '../../../src/gateway/handler.ts';
import { eventsFromRecord } from '../../../src/platform/events/classify.ts';
import { createEventRecorder } from '../../../src/platform/events/recorder.ts';
import { redactEvidence } from '../../../src/platform/events/redact.ts';
import { openSqliteEventStore } from '../../../src/platform/events/sqlite.ts';
import type { EventStore, SecurityEvent } from '../../../src/platform/events/types.ts';
import { createEventWriter } from '../../../src/platform/events/writer.ts';

const OPTS = {
  queueSize: 10,
  batchSize: 4,
  flushIntervalMs: 60_000,
  maxAgeMs: 0,
  maxEvents: 0,
  pruneIntervalMs: 60_000,
};

function ev(i: number): SecurityEvent {
  return {
    time: i,
    requestId: `r${i}`,
    consumer: null,
    ip: '127.0.0.1',
    method: 'GET',
    route: '/x',
    category: 'route',
    code: 'route.undeclared',
    severity: 'low',
    action: 'refuse',
    status: 404,
    evidence: null,
  };
}

function record(over: Partial<AccessRecord>): AccessRecord {
  return {
    requestId: 'req-1',
    method: 'POST',
    path: '/v1/login',
    api: 'demo',
    route: 'demo:login',
    status: 403,
    decision: 'refuse',
    code: 'inject.sqli',
    evidence: "password=hunter2 ' OR 1=1 --",
    policy: 'inspect',
    clientIp: '198.51.100.4',
    latencyMs: 1,
    upstreamMs: undefined,
    monitored: undefined,
    consumer: 'alice',
    ...over,
  };
}

/** A store whose inserts wait until released, to hold the queue full. */
function gatedStore(inner: EventStore): EventStore & { release(): void; batches: number[] } {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const batches: number[] = [];
  return {
    ...inner,
    batches,
    release: () => open(),
    async insert(events) {
      batches.push(events.length);
      await gate;
      await inner.insert(events);
    },
  };
}

test('a full queue drops new events, counts them, and never blocks or throws', async () => {
  const inner = openSqliteEventStore(':memory:');
  const store = gatedStore(inner);
  const w = createEventWriter(store, OPTS);
  // the ring holds 10; the other 10 are dropped at once, synchronously
  w.push(Array.from({ length: 20 }, (_, i) => ev(i)));
  assert.equal(w.queued, 10);
  assert.equal(w.dropped, 10);
  // while the store is stuck on the first batch, further pushes still return at once
  await new Promise((r) => setImmediate(r));
  w.push(Array.from({ length: 10 }, (_, i) => ev(100 + i)));
  assert.equal(w.queued, 10, 'the first batch of 4 left the ring; 4 new ones took its place');
  assert.equal(w.dropped, 16);
  store.release();
  await w.close();
  assert.equal(w.queued, 0);
  assert.equal(w.written, 14);
  assert.equal(await inner.count(), 14, 'queued + dropped = pushed: nothing vanished');
  assert.ok(
    store.batches.every((n) => n <= OPTS.batchSize),
    'batches never exceed batchSize',
  );
  w.push([ev(99)]);
  assert.equal(w.dropped, 17, 'after close, events are counted as dropped');
  await inner.close();
});

test('a failing store counts the batch as dropped and the writer keeps going', async () => {
  const inner = openSqliteEventStore(':memory:');
  let fail = true;
  const errors: unknown[] = [];
  const w = createEventWriter(
    {
      ...inner,
      async insert(events) {
        if (fail) throw new Error('disk full');
        await inner.insert(events);
      },
    },
    { ...OPTS, onError: (e) => errors.push(e) },
  );
  w.push([ev(1), ev(2)]);
  await w.flush();
  assert.equal(w.dropped, 2);
  assert.equal(errors.length, 1);
  fail = false;
  w.push([ev(3)]);
  await w.close();
  assert.equal(await inner.count(), 1);
  await inner.close();
});

test('records become events with category, severity, consumer and redacted evidence', () => {
  const [e, ...rest] = eventsFromRecord(record({}), 42);
  assert.equal(rest.length, 0);
  assert.ok(e);
  assert.equal(e.category, 'inject');
  assert.equal(e.code, 'inject.sqli');
  assert.equal(e.severity, 'high');
  assert.equal(e.consumer, 'alice');
  assert.equal(e.route, 'demo:login');
  assert.equal(e.time, 42);
  assert.ok(!e.evidence?.includes('hunter2'), 'the password is redacted');
  assert.match(e.evidence ?? '', /OR 1=1/);
  assert.deepEqual(eventsFromRecord(record({ decision: 'allow', code: undefined })), []);
  const monitored = eventsFromRecord(
    record({
      decision: 'allow',
      code: undefined,
      status: 200,
      monitored: [{ policy: 'ratelimit', refusal: { code: 'ratelimit.exceeded' } }],
    }),
  );
  assert.equal(monitored.length, 1);
  assert.equal(monitored[0]?.action, 'monitor');
  assert.equal(monitored[0]?.severity, 'low');
  const undeclared = eventsFromRecord(record({ route: undefined, code: 'route.undeclared', status: 404 }));
  assert.equal(undeclared[0]?.route, '/v1/login', 'no route: the path names it');
});

test('redaction removes bearer tokens, JWTs, assignments and URL credentials, and truncates', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
  const out = redactEvidence(
    `Authorization: Bearer abc.def-123 token=${jwt} api_key: "sk_live_1234" http://bob:pw@host/ ${jwt}`,
  );
  assert.ok(out);
  for (const secret of ['abc.def-123', 'sk_live_1234', 'bob:pw', 'eyJzdWIiOiIxIn0']) {
    assert.ok(!out.includes(secret), `${secret} redacted in ${out}`);
  }
  assert.equal(redactEvidence(''), null);
  assert.ok((redactEvidence('x'.repeat(10_000)) ?? '').length <= 256);
  assert.equal(redactEvidence('a\nb'), 'a b');
});

test('the recorder exports queued, written and dropped counters as Prometheus metrics', async () => {
  const registry = new Registry();
  const rec = await createEventRecorder(
    {
      enabled: true,
      store: ':memory:',
      queueSize: 2,
      batchSize: 100,
      flushIntervalMs: 60_000,
      retentionDays: 0,
      maxEvents: 0,
    },
    process.cwd(),
    registry,
  );
  for (let i = 0; i < 5; i++) rec.onRecord(record({ requestId: `q${i}` }));
  rec.onRecord(record({ decision: 'allow', code: undefined }));
  await rec.writer.flush();
  const text = await registry.metrics();
  assert.match(text, /rampart_events_dropped_total 3/);
  assert.match(text, /rampart_events_queued 0/);
  assert.equal(await rec.store.count(), 2);
  await rec.close();
  assert.match(await registry.metrics(), /rampart_events_written_total 2/);
});

test('writer retention prunes by age and by count through the store', async () => {
  const store = openSqliteEventStore(':memory:');
  const now = Date.now();
  const w = createEventWriter(store, { ...OPTS, queueSize: 100, maxAgeMs: 60_000, maxEvents: 3 });
  w.push([
    { ...ev(1), time: now - 120_000 },
    { ...ev(2), time: now - 90_000 },
    { ...ev(3), time: now - 1000 },
    { ...ev(4), time: now - 900 },
    { ...ev(5), time: now - 800 },
    { ...ev(6), time: now - 700 },
  ]);
  await w.flush();
  assert.equal(await w.prune(), 3, 'two too old, then one past the count');
  assert.deepEqual(
    (await store.list()).map((e) => e.requestId),
    ['r4', 'r5', 'r6'],
  );
  await w.close();
  await store.close();
});
