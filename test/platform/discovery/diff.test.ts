import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadOpenApi } from '../../../src/openapi/load.ts';
import { diffInventory } from '../../../src/platform/discovery/diff.ts';
import { observationsFromAccessLog, observationsFromHar } from '../../../src/platform/discovery/import.ts';
import { Inventory } from '../../../src/platform/discovery/inventory.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

async function harInventory(): Promise<Inventory> {
  const { observations, skipped } = observationsFromHar(
    JSON.parse(await readFile(fixture('shop.har'), 'utf8')),
  );
  assert.equal(skipped, 1, 'the entry without a URL or response is skipped');
  const inv = new Inventory();
  for (const o of observations) inv.observe(o);
  return inv;
}

test('a HAR file becomes an inventory: templated paths, statuses, content types, sensitive data', async () => {
  const endpoints = (await harInventory()).endpoints();
  const byKey = new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e]));
  const product = byKey.get('GET /api/v1/products/{productId}');
  assert.ok(product);
  assert.deepEqual(product.statuses, { '200': 2, '404': 1 });
  assert.deepEqual(product.responseContentTypes, ['application/json', 'application/problem+json']);
  assert.deepEqual(byKey.get('GET /api/v1/products')?.queryParams, ['page', 'sort']);
  assert.deepEqual(byKey.get('GET /api/v1/users/me')?.sensitive, ['card', 'email']);
  assert.ok(byKey.has('GET /api/v1/internal/debug/{debugId}'));
  assert.deepEqual(byKey.get('POST /api/v1/internal/users')?.requestContentTypes, ['application/json']);
});

test('diff: shadow, zombie (deprecated-called, never-called) and undeclared query parameters', async () => {
  const inv = await harInventory();
  const doc = await loadOpenApi(fixture('shop.yaml'));
  const diff = diffInventory(inv.endpoints(), doc);
  assert.deepEqual(
    diff.shadow.map((s) => `${s.method} ${s.path}`),
    ['GET /api/v1/internal/debug/{debugId}', 'POST /api/v1/internal/users'],
  );
  assert.deepEqual(
    diff.zombie.map((z) => `${z.kind} ${z.method} ${z.path}`),
    ['deprecated-called GET /orders/legacy', 'never-called GET /reports/export'],
  );
  assert.deepEqual(diff.undeclaredParameters, [
    { method: 'GET', path: '/products', in: 'query', name: 'sort' },
  ]);
  assert.equal(diff.matched, 4);
});

test('gateway access-log lines: refused-as-undeclared traffic is shadow, with its refusals counted', async () => {
  const lines = [
    {
      level: 30,
      time: 1000,
      msg: 'request',
      method: 'GET',
      path: '/api/v1/products/5',
      status: 200,
      consumer: 'alice',
    },
    {
      level: 30,
      time: 2000,
      msg: 'request',
      method: 'GET',
      path: '/api/v1/admin/export',
      status: 404,
      code: 'route.undeclared',
    },
    {
      level: 30,
      time: 3000,
      msg: 'request',
      method: 'GET',
      path: '/api/v1/admin/export',
      status: 404,
      code: 'route.undeclared',
    },
    { level: 30, time: 4000, msg: 'gateway listening' },
  ];
  const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`;
  const { observations, skipped } = observationsFromAccessLog(text);
  assert.equal(observations.length, 3);
  assert.equal(skipped, 2);
  const inv = new Inventory();
  for (const o of observations) inv.observe(o);
  const diff = diffInventory(inv.endpoints(), await loadOpenApi(fixture('shop.yaml')), {
    now: 10_000,
    staleAfterMs: 60_000,
  });
  assert.deepEqual(diff.shadow, [
    { method: 'GET', path: '/api/v1/admin/export', calls: 2, refused: 2, lastSeen: 3000 },
  ]);
  assert.ok(!diff.zombie.some((z) => z.path === '/products/{id}'), 'called recently: not a zombie');
  const stale = diffInventory(inv.endpoints(), await loadOpenApi(fixture('shop.yaml')), {
    now: 10_000_000,
    staleAfterMs: 60_000,
  });
  assert.ok(
    stale.zombie.some((z) => z.path === '/products/{id}' && z.kind === 'stale' && z.calls === 1),
    'not called in the window',
  );
});
