/**
 * The rows of the gateway benchmark (issue 2) and the ratios printed under each table.
 * To add a row, add one entry; e.g. the demo-policy row:
 *   { key: 'd', label: 'Rampart, demo policies', start: rampartRow('bench/configs/policies.yaml', { 'x-api-key': '…' }) }
 */
import { createHmac, randomBytes } from 'node:crypto';
import { startNginx } from './nginx.ts';
import { rampartRow, startReference } from './node-rows.ts';
import type { RowSpec } from './target.ts';

/** Row (d) verifies an HS256 JWT: a fresh secret per run, and a token signed with it. */
function demoPolicyToken(): string {
  const secret = randomBytes(32).toString('base64url');
  process.env.RAMPART_BENCH_HS_SECRET = secret;
  const now = Math.floor(Date.now() / 1000);
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: 'https://bench.rampart.test', sub: 'bench-user', iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Every row, in table order; `--rows` picks among their keys. */
export const ROWS: readonly RowSpec[] = [
  {
    key: 'a',
    label: 'upstream directly',
    start: async (ctx) => ({ url: ctx.upstreamUrl, headers: {}, stop: async () => {} }),
  },
  { key: 'b', label: 'reference proxy (node:http + undici Pool)', start: startReference },
  { key: 'c', label: 'Rampart, routing only', start: rampartRow('bench/configs/routing.yaml') },
  {
    key: 'd',
    label: 'Rampart, demo policies (JWT, rate limit, validation, inspection)',
    start: rampartRow('bench/configs/demo-policies.yaml', { authorization: `Bearer ${demoPolicyToken()}` }),
  },
  { key: 'm', label: 'Rampart, memory limiter', start: rampartRow('bench/configs/ratelimit-memory.yaml') },
  { key: 'r', label: 'Rampart, Redis limiter', start: rampartRow('bench/configs/ratelimit-redis.yaml') },
  {
    key: 'v',
    label: 'Rampart, validation + inspection',
    start: rampartRow('bench/configs/validate-inspect.yaml'),
  },
  { key: 'e', label: 'nginx reverse proxy', start: startNginx },
];

/** Ratios of requests/s printed when both rows were measured: [numerator, denominator]. */
export const RATIOS: readonly (readonly [string, string])[] = [
  ['c', 'b'],
  ['d', 'b'],
  ['c', 'e'],
  // issue 4 targets: memory limiter ≥ 95% of routing only, Redis limiter ≥ 80%
  ['m', 'c'],
  ['r', 'c'],
  // issue 11 target: validation + inspection cost ≤ 25% of routing only (v/c ≥ 0.8)
  ['v', 'c'],
];
