import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import type { ApiKeyRecord, Store } from '../../src/store/types.ts';
import { dropSchema, pgSchema } from './pg.ts';

function key(id: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id,
    consumerId: 'alice',
    hash: `h-${id}`,
    prefix: 'rk_test_AbCd',
    name: null,
    createdAt: 1_000,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom: null,
    ...over,
  };
}

/** The same behaviour asked of both implementations. */
function storeSuite(open: () => Promise<Store>): void {
  let store: Store;
  before(async () => {
    store = await open();
    await store.upsertConsumer({ id: 'alice', roles: ['user'], scopes: ['orders:read'], createdAt: 500 });
  });
  after(async () => store.close());

  test('keeps consumers and updates their roles and scopes on upsert', async () => {
    await store.upsertConsumer({ id: 'bob', roles: ['user'], scopes: [], createdAt: 1 });
    await store.upsertConsumer({ id: 'bob', roles: ['user', 'admin'], scopes: ['x'], createdAt: 2 });
    const bob = await store.getConsumer('bob');
    assert.deepEqual(bob, { id: 'bob', roles: ['user', 'admin'], scopes: ['x'], createdAt: 1 });
    assert.equal(await store.getConsumer('nobody'), undefined);
  });

  test('finds a key by its hash, with its consumer', async () => {
    await store.insertKey(key('k1', { expiresAt: 9_000_000_000_000, name: 'ci' }));
    const found = await store.findKeyByHash('h-k1');
    assert.equal(found?.key.id, 'k1');
    assert.equal(found?.key.expiresAt, 9_000_000_000_000);
    assert.equal(found?.key.name, 'ci');
    assert.deepEqual(found?.consumer.roles, ['user']);
    assert.deepEqual(found?.consumer.scopes, ['orders:read']);
    assert.equal(await store.findKeyByHash('h-none'), undefined);
  });

  test('refuses a second key with the same hash', async () => {
    await store.insertKey(key('k-dup'));
    await assert.rejects(store.insertKey(key('k-dup2', { hash: 'h-k-dup' })));
  });

  test('revokes a key once', async () => {
    await store.insertKey(key('k2'));
    assert.equal(await store.revokeKey('k2', 2_000), true);
    assert.equal(await store.revokeKey('k2', 3_000), false);
    assert.equal((await store.getKey('k2'))?.revokedAt, 2_000);
    assert.equal(await store.revokeKey('missing', 1), false);
  });

  test('touches last-used in a batch, only forward', async () => {
    await store.insertKey(key('k3'));
    await store.insertKey(key('k4'));
    await store.touchKeys([
      { id: 'k3', at: 5_000 },
      { id: 'k4', at: 6_000 },
    ]);
    await store.touchKeys([{ id: 'k3', at: 4_000 }]);
    assert.equal((await store.getKey('k3'))?.lastUsedAt, 5_000);
    assert.equal((await store.getKey('k4'))?.lastUsedAt, 6_000);
  });

  test('sets an expiry and lists keys newest first, per consumer', async () => {
    await store.upsertConsumer({ id: 'carol', roles: [], scopes: [], createdAt: 1 });
    await store.insertKey(key('c1', { consumerId: 'carol', hash: 'hc1', createdAt: 10 }));
    await store.insertKey(key('c2', { consumerId: 'carol', hash: 'hc2', createdAt: 20 }));
    await store.setKeyExpiry('c1', 77);
    const list = await store.listKeys({ consumerId: 'carol' });
    assert.deepEqual(
      list.map((k) => [k.id, k.expiresAt]),
      [
        ['c2', null],
        ['c1', 77],
      ],
    );
    assert.ok((await store.listKeys()).length >= 6);
    assert.equal((await store.listKeys({ limit: 1 })).length, 1);
  });
}

describe('SQLite store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-store-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));
  storeSuite(() => openStore('./sub/rampart.db', dir));

  test('a relative path lands beside the config and survives reopening', async () => {
    const a = await openStore('./again.db', dir);
    await a.upsertConsumer({ id: 'z', roles: ['r'], scopes: [], createdAt: 1 });
    await a.close();
    const b = await openStore(join(dir, 'again.db'));
    assert.deepEqual((await b.getConsumer('z'))?.roles, ['r']);
    await b.close();
  });
});

const pg = await pgSchema();
describe('PostgreSQL store', { skip: 'skip' in pg ? pg.skip : false }, () => {
  if ('skip' in pg) return;
  after(async () => dropSchema(pg.schema));
  storeSuite(() => openStore(pg.url));

  test('refuses a schema name that is not a plain identifier', async () => {
    await assert.rejects(openStore('postgres://postgres@127.0.0.1:5432/test?schema=a;drop'), /identifier/);
  });
});
