import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { hashApiKey, pepperBytes } from '../../src/auth/apikey.ts';
import { KeyService } from '../../src/auth/key-service.ts';
import { createLocalRevocations } from '../../src/auth/revocation.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';

const PEPPER = pepperBytes('a-test-pepper-that-is-long-enough-0123');

describe('KeyService', () => {
  let store: Store;
  let clock = 1_000_000;
  const now = () => clock;
  let svc: KeyService;
  beforeEach(async () => {
    store = await openStore(':memory:');
    svc = new KeyService(store, PEPPER, createLocalRevocations(now), { now, touchIntervalMs: 0 });
  });
  after(async () => {
    await svc.close();
  });

  test('stores only the peppered hash; the issued key verifies to its consumer', async () => {
    const issued = await svc.create({ consumerId: 'alice', roles: ['user'], scopes: ['orders:read'] });
    const rows = await store.listKeys();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.hash, hashApiKey(issued.key, PEPPER));
    assert.ok(!JSON.stringify(rows).includes(issued.key.slice(12)));
    const check = await svc.verify(issued.key);
    assert.ok(check.ok);
    assert.equal(check.consumer.id, 'alice');
    assert.deepEqual(check.consumer.scopes, ['orders:read']);
  });

  test('refuses a malformed key, a key with a bad checksum and an unknown well-formed key', async () => {
    const issued = await svc.create({ consumerId: 'alice' });
    assert.deepEqual(await svc.verify('not-a-key'), { ok: false, reason: 'invalid' });
    const tampered = `${issued.key.slice(0, 10)}${issued.key[10] === 'x' ? 'y' : 'x'}${issued.key.slice(11)}`;
    assert.deepEqual(await svc.verify(tampered), { ok: false, reason: 'invalid' });
    const other = new KeyService(await openStore(':memory:'), PEPPER, undefined, { touchIntervalMs: 0 });
    const foreign = await other.create({ consumerId: 'x' });
    assert.deepEqual(await svc.verify(foreign.key), { ok: false, reason: 'invalid' });
    await other.close();
  });

  test('a key checked under another pepper does not verify', async () => {
    const issued = await svc.create({ consumerId: 'alice' });
    const wrong = new KeyService(store, pepperBytes('another-pepper-that-is-long-enough-99'), undefined, {
      touchIntervalMs: 0,
    });
    assert.equal((await wrong.verify(issued.key)).ok, false);
    await wrong.close();
  });

  test('expiry: refused as expired once the time passes', async () => {
    const issued = await svc.create({ consumerId: 'alice', expiresAt: clock + 60_000 });
    assert.ok((await svc.verify(issued.key)).ok);
    clock += 61_000;
    const check = await svc.verify(issued.key);
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.reason, 'expired');
  });

  test('revocation takes effect at once in this process, even with the key cached', async () => {
    const issued = await svc.create({ consumerId: 'alice' });
    assert.ok((await svc.verify(issued.key)).ok); // now cached
    assert.equal(await svc.revoke(issued.record.id), true);
    const check = await svc.verify(issued.key);
    assert.deepEqual(check, { ok: false, reason: 'revoked', keyId: issued.record.id });
  });

  test('a cached key is accepted with the same check object, and still refused once revoked or expired', async () => {
    const issued = await svc.create({ consumerId: 'alice', expiresAt: clock + 3_000 });
    const first = await svc.verify(issued.key);
    assert.ok(first.ok);
    // callers memoize on this identity (the authenticator reuses its outcome): it must be stable
    assert.equal(svc.verify(issued.key), first);
    clock += 3_000; // still within the cache entry's 5 s, but the key itself has expired
    assert.deepEqual(svc.verify(issued.key), { ok: false, reason: 'expired', keyId: issued.record.id });

    // a revocation learnt from the shared set (another process's) ends the acceptance at once
    const revocations = createLocalRevocations(now);
    const shared = new KeyService(store, PEPPER, revocations, { now, touchIntervalMs: 0 });
    const other = await shared.create({ consumerId: 'bob' });
    const accepted = await shared.verify(other.key);
    assert.equal(shared.verify(other.key), accepted);
    await revocations.revoke('key', other.record.id, clock + 60_000);
    assert.deepEqual(await shared.verify(other.key), {
      ok: false,
      reason: 'revoked',
      keyId: other.record.id,
    });
    await shared.close();
  });

  test('a revocation made by another service on the same store shows once the cache entry expires', async () => {
    const issued = await svc.create({ consumerId: 'alice' });
    assert.ok((await svc.verify(issued.key)).ok);
    const cli = new KeyService(store, PEPPER, undefined, { touchIntervalMs: 0 });
    await cli.revoke(issued.record.id);
    clock += 5_001;
    assert.equal((await svc.verify(issued.key)).ok, false);
    await cli.close();
  });

  test('rotation: old and new key both work during the overlap, then only the new one', async () => {
    const old = await svc.create({ consumerId: 'alice', env: 'test', name: 'ci' });
    const fresh = await svc.rotate(old.record.id, 60_000);
    assert.ok(fresh !== undefined);
    assert.ok(fresh.key.startsWith('rk_test_'));
    assert.equal(fresh.record.rotatedFrom, old.record.id);
    assert.equal(fresh.record.name, 'ci');
    assert.ok((await svc.verify(old.key)).ok);
    assert.ok((await svc.verify(fresh.key)).ok);
    clock += 60_001;
    assert.equal((await svc.verify(old.key)).ok, false);
    assert.ok((await svc.verify(fresh.key)).ok);
    assert.equal(await svc.rotate('key_missing', 1000), undefined);
  });

  test('last-used times are written in a batch on flush, not per request', async () => {
    const a = await svc.create({ consumerId: 'alice' });
    const b = await svc.create({ consumerId: 'bob' });
    await svc.verify(a.key);
    await svc.verify(b.key);
    assert.equal((await store.getKey(a.record.id))?.lastUsedAt, null);
    await svc.flushLastUsed();
    assert.equal((await store.getKey(a.record.id))?.lastUsedAt, clock);
    assert.equal((await store.getKey(b.record.id))?.lastUsedAt, clock);
  });
});
