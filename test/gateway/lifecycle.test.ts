import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { loadConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { startTestGateway, startUpstream, TEST_OPENAPI } from '../helpers/gateway.ts';

/** Wait until a condition holds (the request reached the upstream), at most 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not reached in 5 s');
}

describe('gateway lifecycle', () => {
  test('close() lets in-flight requests finish, refuses new connections, then resolves drained', async () => {
    const up = await startUpstream();
    up.handler = (_req, res) => setTimeout(() => res.end('slow but done'), 300);
    const gw = await startTestGateway({ upstreamUrl: up.url });
    const inFlight = request(`${gw.url}/v1/health`);
    await until(() => up.seen.length === 1);
    const closing = gw.gateway.close(5000);
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(request(`${gw.url}/v1/health`, { headersTimeout: 500 }));
    const res = await inFlight;
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'slow but done');
    assert.deepEqual(await closing, { drained: true });
    await up.close();
  });

  test('close() gives up on requests that outlive the drain timeout', async () => {
    const up = await startUpstream();
    up.handler = () => {
      /* never answers */
    };
    const gw = await startTestGateway({ upstreamUrl: up.url });
    const stuck = request(`${gw.url}/v1/health`).catch((e: unknown) => e);
    await until(() => up.seen.length === 1);
    assert.deepEqual(await gw.gateway.close(200), { drained: false });
    await stuck;
    await up.close();
  });

  test('reload swaps the route table at once; requests after it see the new document', async () => {
    const up = await startUpstream();
    const gw = await startTestGateway({ upstreamUrl: up.url });
    try {
      assert.equal((await request(`${gw.url}/v1/reports`)).statusCode, 404);
      const doc = TEST_OPENAPI.replace(
        'paths:\n',
        "paths:\n  /reports:\n    get:\n      operationId: reports\n      security: []\n      responses: { '200': { description: ok } }\n",
      );
      await writeFile(join(gw.dir, 'openapi.yaml'), doc);
      const plan = await compilePlan(await loadConfig(join(gw.dir, 'rampart.yaml'), {}));
      await gw.gateway.reload(plan);
      const res = await request(`${gw.url}/v1/reports`);
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
