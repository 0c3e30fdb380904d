/** The local pre-check through two gateways sharing one Redis: the limit holds exactly. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type ServicedGateway, startServicedGateway } from '../state/gateway.ts';
import { cleanPrefix, REDIS_URL, redisSkipReason, testPrefix } from '../state/redis-available.ts';

const skip = await redisSkipReason();
if (skip !== null) console.log(`# SKIP local budget gateway tests: ${skip}`);

describe('two gateways with state.localBudget share one Redis limit', { skip: skip ?? false }, () => {
  const prefix = testPrefix();
  let up: TestUpstream;
  const gws: ServicedGateway[] = [];

  before(async () => {
    up = await startUpstream();
    for (let i = 0; i < 2; i++) {
      gws.push(
        await startServicedGateway({
          upstreamUrl: up.url,
          apiExtra: `    routes:
      health:
        rateLimit: { limit: 30, windowSeconds: 3600, by: [ip] }`,
          extraConfig: `state: { url: "${REDIS_URL}", prefix: "${prefix}", localBudget: { slice: 5, leaseMs: 60000 } }`,
        }),
      );
    }
  });
  after(async () => {
    for (const g of gws) await g.close();
    await up.close();
    await cleanPrefix(prefix);
  });

  test('at most limit + N×slice pass (here exactly the limit), then 429 from both', async () => {
    let ok = 0;
    const last = [0, 0];
    for (let round = 0; round < 40; round++) {
      for (let g = 0; g < 2; g++) {
        const res = await fetch(`${gws[g]!.url}/v1/health`);
        await res.arrayBuffer();
        last[g] = res.status;
        if (res.status === 200) ok++;
        else assert.equal(res.status, 429);
      }
    }
    assert.ok(ok <= 30 + 2 * 5, String(ok));
    assert.equal(ok, 30);
    assert.deepEqual(last, [429, 429]);
  });
});
