import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { startGraphqlApi } from '../../examples/graphql-api/server.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig, parseScanConfig, type ScanConfig } from '../../src/scanner/config.ts';
import { runScan } from '../../src/scanner/engine.ts';
import { startHardenedGraphql } from './fixtures/graphql-hardened.ts';

const only = (c: ScanConfig): ScanConfig => ({ ...c, rate: 1000, only: new Set(['graphql-introspection']) });
const anonymous = () =>
  only(parseScanConfig('identities:\n  - { name: anon, role: user, bearer: not-a-secret }\n', 'gql.yaml'));
const graphqlDoc = () =>
  loadOpenApi(new URL('../../examples/graphql-api/openapi.yaml', import.meta.url).pathname);

describe('graphql-introspection check (API8)', () => {
  it('finds introspection and field suggestions on examples/graphql-api', async () => {
    const api = await startGraphqlApi();
    try {
      const result = await runScan({ document: await graphqlDoc(), target: api.url, config: anonymous() });
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.findings.map((f) => f.id).sort(), [
        'graphql-introspection:graphqlPost:introspection',
        'graphql-introspection:graphqlPost:suggestions',
      ]);
      const byKey = new Map(result.findings.map((f) => [f.id.split(':')[2], f]));
      assert.equal(byKey.get('introspection')?.severity, 'low');
      assert.match(byKey.get('introspection')?.evidence[0]?.response?.body ?? '', /__schema/);
      assert.equal(byKey.get('suggestions')?.severity, 'info');
      assert.match(byKey.get('suggestions')?.message ?? '', /Did you mean/);
    } finally {
      await api.close();
    }
  });

  it('stays silent on a GraphQL endpoint with introspection off and suggestions stripped', async () => {
    const api = await startHardenedGraphql();
    try {
      const seen = new Set<string>();
      const result = await runScan({
        document: await graphqlDoc(),
        target: api.url,
        config: anonymous(),
        onProgress: (p) => seen.add(p.check),
      });
      assert.deepEqual(result.findings, []);
      assert.deepEqual(result.errors, []);
      assert.ok(seen.has('graphql-introspection'), 'the check ran');
    } finally {
      await api.close();
    }
  });

  it('plans nothing for the REST examples (demo and control) and finds nothing there', async () => {
    for (const name of ['demo', 'control'] as const) {
      const api =
        name === 'demo'
          ? await startDemoApi({ quiet: true })
          : await startControlApi({ quiet: true, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
      try {
        const document = await loadOpenApi(
          new URL(`../../examples/${name}-api/openapi.yaml`, import.meta.url).pathname,
        );
        const loaded = await loadScanConfig(
          new URL(`../../examples/scan-${name}.yaml`, import.meta.url).pathname,
        );
        const result = await runScan({ document, target: api.url, config: only(loaded) });
        assert.deepEqual(result.findings, [], name);
        assert.deepEqual(result.errors, [], name);
      } finally {
        await api.close();
      }
    }
  });
});
