import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Inventory } from '../../../src/platform/discovery/inventory.ts';
import { type InventoryStore, openInventoryStore } from '../../../src/platform/discovery/store.ts';
import { dropSchema, pgSchema } from '../../store/pg.ts';

function suite(open: () => Promise<InventoryStore>) {
  test('the inventory survives a save and load, and restored counts add up with new traffic', async () => {
    const first = new Inventory();
    first.observe({ time: 10, method: 'GET', path: '/users/1?q=a', status: 200, consumer: 'alice' });
    first.observe({ time: 20, method: 'GET', path: '/users/2', status: 404, consumer: 'bob' });
    first.observe({ time: 30, method: 'GET', path: '/hidden', status: 404, code: 'route.undeclared' });
    let store = await open();
    await store.save(first.endpoints());
    await store.save(first.endpoints()); // saving again replaces, it does not double
    await store.close();

    store = await open();
    try {
      const loaded = await store.load();
      assert.deepEqual(loaded, first.endpoints());
      const second = new Inventory();
      second.restore(loaded);
      second.observe({ time: 40, method: 'GET', path: '/users/3', status: 200, consumer: 'carol' });
      const users = second.endpoints().find((e) => e.path === '/users/{userId}');
      assert.equal(users?.count, 3);
      assert.deepEqual(users?.statuses, { '200': 2, '404': 1 });
      assert.deepEqual(users?.consumers, ['alice', 'bob', 'carol']);
      assert.equal(users?.firstSeen, 10);
      assert.equal(users?.lastSeen, 40);
      assert.equal(second.endpoints().find((e) => e.path === '/hidden')?.refusedUndeclared, 1);
    } finally {
      await store.close();
    }
  });
}

describe('SQLite inventory store', () => {
  let dir = '';
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  suite(async () => {
    if (dir === '') dir = await mkdtemp(join(tmpdir(), 'rampart-inventory-'));
    return openInventoryStore('inventory.db', dir);
  });
});

const pg = await pgSchema();
describe('PostgreSQL inventory store', { skip: 'skip' in pg ? pg.skip : false }, () => {
  if ('skip' in pg) return;
  after(async () => {
    await dropSchema(pg.schema);
  });
  suite(() => openInventoryStore(pg.url));
});
