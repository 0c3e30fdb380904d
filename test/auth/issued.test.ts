import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { issuedChecker, issuedTokenId, recordIssuedToken } from '../../src/auth/issued.ts';
import { createJwtVerifier } from '../../src/auth/jwt.ts';
import { MemoryState } from '../../src/state/memory.ts';

const SECRET = new TextEncoder().encode('a-long-random-secret-for-issued-tests-0123456789');

async function token(sub: string, lifetime = 600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(SECRET);
}

function verifier(state: MemoryState) {
  return createJwtVerifier({
    issuers: [
      {
        issuer: undefined,
        audience: undefined,
        algorithms: ['HS256'],
        keys: { kind: 'secret', secret: SECRET },
      },
    ],
    clockSkewSeconds: 0,
    maxLifetimeSeconds: 3600,
    requiredClaims: ['exp'],
    claims: { consumer: 'sub', roles: 'roles', scopes: 'scope' },
    revocations: undefined,
    issued: issuedChecker(state),
  });
}

test('a validly signed token is refused until it is recorded as issued, then accepted (also from the cache)', async () => {
  const state = new MemoryState();
  const verify = verifier(state);
  const t = await token('alice');
  const before = await verify(t);
  assert.equal(before.ok, false);
  assert.equal(!before.ok && before.code, 'auth.jwt.unissued');
  assert.equal(await recordIssuedToken(state, t, 3_600_000), true);
  assert.equal((await verify(t)).ok, true);
  assert.equal((await verify(t)).ok, true);
  // only a digest is kept
  assert.deepEqual(
    state.members('issued').map(([m]) => m),
    [issuedTokenId(t)],
  );
  assert.ok(!state.members('issued').some(([m]) => m.includes(t.split('.')[1]!)));
});

test('a bad signature keeps its own code; the record lives until exp, capped by the maximum lifetime', async () => {
  const state = new MemoryState();
  const verify = verifier(state);
  const t = await token('bob', 60);
  await recordIssuedToken(state, t, 3_600_000);
  const until = state.memberUntil('issued', issuedTokenId(t));
  assert.ok(until > Date.now() + 55_000 && until <= Date.now() + 60_000);
  const long = await token('carol', 100_000);
  await recordIssuedToken(state, long, 3_600_000);
  assert.ok(state.memberUntil('issued', issuedTokenId(long)) <= Date.now() + 3_600_000);
  const forged = `${t.slice(0, t.lastIndexOf('.'))}.${'A'.repeat(43)}`;
  const r = await verify(forged);
  assert.equal(!r.ok && r.code, 'auth.jwt.invalid');
});

test('values that are not compact JWTs, and expired ones, are not recorded', async () => {
  const state = new MemoryState();
  for (const v of [undefined, 42, 'not a jwt', 'a.b', `${'x'.repeat(9000)}.y.z`]) {
    assert.equal(await recordIssuedToken(state, v, 60_000), false);
  }
  assert.equal(await recordIssuedToken(state, await token('dave', -10), 60_000), false);
  assert.deepEqual(state.members('issued'), []);
  // no shared state: nothing can have been issued, so nothing is accepted
  assert.equal(issuedChecker(undefined)(await token('erin')), false);
});

test('issuedThrough must name an operation of the apis, or the config does not load', async () => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { parseConfig } = await import('../../src/config/load.ts');
  const { compilePlan } = await import('../../src/gateway/plan.ts');
  const { TEST_OPENAPI } = await import('../helpers/gateway.ts');
  const dir = await mkdtemp(join(tmpdir(), 'rampart-issued-'));
  try {
    await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
    const config = (op: string) => `listeners: [{ host: 127.0.0.1, port: 0 }]
upstreams: { app: { url: http://127.0.0.1:1 } }
apis: [{ name: t, openapi: ./openapi.yaml, upstream: app }]
auth:
  jwt:
    bearer:
      issuers: [{ algorithms: [HS256], secret: a-long-random-secret-for-issued-tests-0123456789 }]
      issuedThrough: { operation: ${op} }
`;
    const file = join(dir, 'rampart.yaml');
    await assert.rejects(
      compilePlan(await parseConfig(config('nosuchop'), file, {})),
      (err: Error & { key?: string }) => {
        assert.match(err.message, /issuedThrough names no operation/);
        assert.equal(err.key, 'auth.jwt.bearer.issuedThrough.operation');
        return true;
      },
    );
    const plan = await compilePlan(await parseConfig(config('health'), file, {}));
    assert.ok(plan.routes.some((r) => r.phases?.authenticate?.some((e) => e.name === 'token-capture')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
