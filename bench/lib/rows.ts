/**
 * The rows of the gateway benchmark (issue 2) and the ratios printed under each table.
 * To add a row, add one entry; e.g. the demo-policy row:
 *   { key: 'd', label: 'Rampart, demo policies', start: rampartRow('bench/configs/policies.yaml', { 'x-api-key': '…' }) }
 */
import { spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx, startNginxModsec } from './nginx.ts';
import { rampartRedisRow, rampartRow, startReference } from './node-rows.ts';
import type { RowSpec } from './target.ts';

/** Row (d) verifies an HS256 JWT: a fresh secret per run, and a token signed with it. */
function demoPolicyToken(): string {
  const secret = randomBytes(32).toString('base64url');
  process.env.RAMPART_BENCH_HS_SECRET = secret;
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'https://bench.rampart.test', sub: 'bench-user', iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Row (j) verifies an ES256 JWT: a fresh P-256 key pair per run, the public key in a temp PEM file. */
function es256Token(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-jwt-'));
  const pem = join(dir, 'public.pem');
  writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
  process.env.RAMPART_BENCH_JWT_PUBLIC_KEY = pem;
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ iss: 'https://bench.rampart.test', sub: 'bench-user', iat: now, exp: now + 3600 })}`;
  const signature = sign('sha256', Buffer.from(unsigned), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${unsigned}.${signature.toString('base64url')}`;
}

/** Row (k) checks an API key: a temp SQLite store and pepper, and one key made with `rampart keys create`. */
function benchApiKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-keys-'));
  process.env.RAMPART_BENCH_PEPPER = randomBytes(32).toString('base64');
  process.env.RAMPART_BENCH_STORE = join(dir, 'keys.db');
  const bin = fileURLToPath(new URL('../../bin/rampart.js', import.meta.url));
  const config = fileURLToPath(new URL('../configs/auth-apikey.yaml', import.meta.url));
  const r = spawnSync(
    process.execPath,
    [bin, 'keys', 'create', '--config', config, '--consumer', 'bench', '--json'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`rampart keys create failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { key: string }).key;
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
  {
    key: 'k',
    label: 'Rampart, API key authentication',
    start: (ctx) => rampartRow('bench/configs/auth-apikey.yaml', { 'x-api-key': benchApiKey() })(ctx),
  },
  {
    key: 'j',
    label: 'Rampart, ES256 JWT authentication',
    start: (ctx) =>
      rampartRow('bench/configs/auth-jwt.yaml', { authorization: `Bearer ${es256Token()}` })(ctx),
  },
  { key: 'm', label: 'Rampart, memory limiter', start: rampartRow('bench/configs/ratelimit-memory.yaml') },
  { key: 'r', label: 'Rampart, Redis limiter', start: rampartRedisRow('bench/configs/ratelimit-redis.yaml') },
  {
    key: 'l',
    label: 'Rampart, Redis limiter with the local pre-check (state.localBudget)',
    start: rampartRedisRow('bench/configs/ratelimit-redis-budget.yaml'),
  },
  {
    key: 'v',
    label: 'Rampart, validation + inspection',
    start: rampartRow('bench/configs/validate-inspect.yaml'),
  },
  {
    key: 'f',
    label: 'Rampart, response filtering',
    start: rampartRow('bench/configs/response-filter.yaml'),
  },
  // issue 6: only the graphql scenario has a route in these two configs (the others are not measured)
  {
    key: 'g',
    label: 'Rampart, GraphQL policy',
    scenarios: ['graphql'],
    start: rampartRow('bench/configs/graphql.yaml'),
  },
  {
    key: 'h',
    label: 'Rampart, GraphQL route, policy off (a plain JSON POST, same response)',
    scenarios: ['graphql'],
    start: rampartRow('bench/configs/graphql-routing.yaml'),
  },
  // issue 9: one monitored rate-limit refusal per request (status 200), so every request is an event
  {
    key: 'x',
    label: 'Rampart, monitor-mode refusal on every request, events off',
    start: rampartRow('bench/configs/events-off.yaml'),
  },
  {
    key: 'y',
    label: 'Rampart, same, events on (SQLite, one event per request)',
    start: rampartRow('bench/configs/events-on.yaml'),
  },
  { key: 'e', label: 'nginx reverse proxy', start: startNginx },
  // issue 11: the throughput of validation + inspection against this on the same request
  { key: 'w', label: 'nginx + ModSecurity v3 + OWASP CRS PL1', start: startNginxModsec },
];

/** Ratios of requests/s printed when both rows were measured: [numerator, denominator]. */
export const RATIOS: readonly (readonly [string, string])[] = [
  ['c', 'b'],
  ['d', 'b'],
  ['c', 'e'],
  // issue 4 targets: memory limiter ≥ 95% of routing only, Redis limiter ≥ 80%
  // issue 3 targets: API key and ES256 JWT authentication each cost ≤ 10% of routing only
  ['k', 'c'],
  ['j', 'c'],
  ['m', 'c'],
  ['r', 'c'],
  ['l', 'c'],
  // issue 11 target: validation + inspection cost ≤ 25% of routing only (v/c ≥ 0.8)
  ['v', 'c'],
  // issue 5 target: response filtering on the ~10 KB JSON report ≤ 15% below routing only (f/c ≥ 0.85)
  ['f', 'c'],
  // issue 6 target: the GraphQL policy on a typical 3-level query ≤ 15% below a request with the
  // same response size and no GraphQL work (the same route, policy off): g/h ≥ 0.85
  ['g', 'h'],
  // issue 9 target: recording security events costs ≤ 5% (y/x ≥ 0.95)
  ['y', 'x'],
  // issue 11 target: validation + inspection ≥ 20 × nginx + ModSecurity + CRS PL1 on the same request
  ['v', 'w'],
];
