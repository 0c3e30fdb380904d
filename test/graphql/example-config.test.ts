import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';

test('examples/graphql-api/rampart.yaml loads and compiles the GraphQL policy on both /graphql routes', async () => {
  const loaded = await loadConfig(
    new URL('../../examples/graphql-api/rampart.yaml', import.meta.url).pathname,
    {},
  );
  const plan = await compilePlan(loaded);
  const routes = plan.routes.filter((r) => r.template === '/graphql');
  assert.equal(routes.length, 2);
  for (const r of routes)
    assert.deepEqual(
      r.phases?.inspect?.map((e) => e.name),
      ['graphql'],
    );
});
