import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pepperBytes } from '../../../src/auth/apikey.ts';
import { KeyService } from '../../../src/auth/key-service.ts';
import { createAnomalyEngine } from '../../../src/platform/anomaly/engine.ts';
import type { SecurityEvent } from '../../../src/platform/events/types.ts';
import { blockMember } from '../../../src/policies/client-gate.ts';
import { MemoryState } from '../../../src/state/memory.ts';
import { openStore } from '../../../src/store/open.ts';
import { clock, memoryLogger, only, rec } from './fixtures.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-anomaly-resp-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Events pushed to the writer, in order. */
function sink() {
  const events: SecurityEvent[] = [];
  return { events, push: (e: readonly SecurityEvent[]) => void events.push(...e) };
}

/** Ten sequential ids: enough for the enumeration detector with sequentialRun 10. */
function scrape(onRecord: (r: ReturnType<typeof rec>) => void, over: Parameters<typeof rec>[0] = {}) {
  for (let id = 1; id <= 10; id++) onRecord(rec({ route: 'getOrder', path: `/v1/orders/${id}`, ...over }));
}

test('block: the consumer on the shared blocklist for blockSeconds; an anonymous caller by IP; exempt IPs never', async () => {
  const state = new MemoryState();
  const events = sink();
  const c = clock(Date.now());
  const e = createAnomalyEngine(
    only(
      'enumeration',
      { respond: ['block'], blockTarget: 'consumer', blockSeconds: 60 },
      { exempt: ['10.0.0.0/8'] },
    ),
    { state, keys: undefined, events, logger: memoryLogger(), now: c.now },
  );
  scrape(e.onRecord, { consumer: 'mallory', clientIp: '192.0.2.9' });
  scrape(e.onRecord, { clientIp: '198.51.100.4' });
  scrape(e.onRecord, { clientIp: '10.1.2.3' });
  await e.settled();
  assert.equal(e.detections.enumeration, 3);
  const until = state.memberUntil('block', blockMember('consumer', 'mallory'));
  assert.ok(until > Date.now() + 50_000 && until <= Date.now() + 60_000);
  assert.equal(
    state.memberUntil('block', blockMember('ip', '192.0.2.9')),
    0,
    'consumer target: its IP stays open',
  );
  assert.ok(state.memberUntil('block', blockMember('ip', '198.51.100.4')) > 0, 'anonymous: the IP');
  assert.equal(state.memberUntil('block', blockMember('ip', '10.1.2.3')), 0, 'exempt');
  assert.deepEqual(
    events.events.map((x) => [x.code, x.category, x.action, x.evidence]),
    [
      [
        'anomaly.enumeration',
        'anomaly',
        'monitor',
        'consumer:mallory: 10 sequential object ids on t:getOrder',
      ],
      [
        'anomaly.enumeration',
        'anomaly',
        'monitor',
        'ip:198.51.100.4: 10 sequential object ids on t:getOrder',
      ],
      ['anomaly.enumeration', 'anomaly', 'monitor', 'ip:10.1.2.3: 10 sequential object ids on t:getOrder'],
      ['response.block', 'anomaly', 'refuse', 'consumer mallory blocked for 60s'],
      ['response.block', 'anomaly', 'refuse', 'ip 198.51.100.4 blocked for 60s'],
    ],
  );
  await e.close();
});

test('blockTarget both blocks the consumer and its IP', async () => {
  const state = new MemoryState();
  const e = createAnomalyEngine(only('enumeration', { respond: ['block'], blockTarget: 'both' }), {
    state,
    keys: undefined,
    events: undefined,
    logger: memoryLogger(),
  });
  scrape(e.onRecord, { consumer: 'mallory', clientIp: '192.0.2.9' });
  await e.settled();
  assert.ok(state.memberUntil('block', blockMember('consumer', 'mallory')) > 0);
  assert.ok(state.memberUntil('block', blockMember('ip', '192.0.2.9')) > 0);
  await e.close();
});

test('revoke: the API key used (by id), else every active key of the consumer, in a real key store', async () => {
  const store = await openStore(join(dir, 'keys.db'));
  const keys = new KeyService(store, pepperBytes('a-test-pepper-that-is-long-enough-0123'), undefined, {
    touchIntervalMs: 0,
  });
  try {
    const used = await keys.create({ consumerId: 'svc-a' });
    const other = await keys.create({ consumerId: 'svc-a' });
    const b1 = await keys.create({ consumerId: 'svc-b' });
    const b2 = await keys.create({ consumerId: 'svc-b' });
    const events = sink();
    const e = createAnomalyEngine(only('enumeration', { respond: ['revoke'] }), {
      state: undefined,
      keys,
      events,
      logger: memoryLogger(),
    });
    scrape(e.onRecord, { consumer: 'svc-a', keyId: used.record.id });
    // a JWT caller has no key id: its consumer's keys go
    scrape(e.onRecord, { consumer: 'svc-b' });
    await e.settled();
    assert.deepEqual(await keys.verify(used.key), { ok: false, reason: 'revoked', keyId: used.record.id });
    assert.equal((await keys.verify(other.key)).ok, true, 'only the key that was used');
    assert.equal((await keys.verify(b1.key)).ok, false);
    assert.equal((await keys.verify(b2.key)).ok, false);
    const revoked = events.events.filter((x) => x.code === 'response.revoke').map((x) => x.evidence);
    assert.equal(revoked.length, 3);
    assert.ok(revoked.includes(`API key ${used.record.id} revoked`));
    await e.close();
  } finally {
    await keys.close();
    await store.close();
  }
});

test('without shared state, key store, webhook or events the responses are skipped and logged, never thrown', async () => {
  const logger = memoryLogger();
  const e = createAnomalyEngine(only('enumeration', { respond: ['block', 'revoke', 'alert'] }), {
    state: undefined,
    keys: undefined,
    events: undefined,
    logger,
  });
  scrape(e.onRecord, { consumer: 'x' });
  await e.settled();
  const msgs = logger.lines.map((l) => l.msg);
  assert.deepEqual(msgs, [
    'anomaly',
    'anomaly block skipped: no shared state',
    'anomaly revoke skipped: no key store (auth.pepper)',
    'anomaly alert skipped: no anomaly.webhook',
  ]);
  assert.equal(logger.lines[0]?.code, 'anomaly.enumeration');
  await e.close();
});

test('onRecord never throws: a failing writer or state stays inside the engine', async () => {
  const failing = new MemoryState();
  failing.setMember = () => Promise.reject(new Error('state down'));
  const logger = memoryLogger();
  const e = createAnomalyEngine(only('enumeration', { respond: ['block'] }), {
    state: failing,
    keys: undefined,
    events: {
      push: () => {
        throw new Error('writer bug');
      },
    },
    logger,
  });
  assert.doesNotThrow(() => scrape(e.onRecord, { consumer: 'x' }));
  await e.settled();
  assert.ok(logger.lines.some((l) => l.msg === 'anomaly event not queued'));
  assert.ok(logger.lines.some((l) => l.msg === 'anomaly response failed' && l.error === 'state down'));
  await e.close();
});
