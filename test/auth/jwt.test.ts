import assert from 'node:assert/strict';
import { createHmac, createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exportSPKI, SignJWT } from 'jose';
import { JwksCache } from '../../src/auth/jwks.ts';
import { createJwtVerifier, type JwtSettings, staticKeySource } from '../../src/auth/jwt.ts';
import { createLocalRevocations } from '../../src/auth/revocation.ts';
import { type JwksServer, keyPair, startJwksServer } from './jwks-server.ts';

const ISS = 'https://idp.example.test';
const AUD = 'orders-api';
const CLAIMS = { consumer: 'sub', roles: 'realm.roles', scopes: 'scope' };

/** Settings of one anonymous issuer signing HS256 with `secret`, tokens needing an exp. */
function hmacSettings(secret: Uint8Array, revocations?: JwtSettings['revocations']): JwtSettings {
  return {
    issuers: [
      { issuer: undefined, audience: undefined, algorithms: ['HS256'], keys: { kind: 'secret', secret } },
    ],
    clockSkewSeconds: 0,
    maxLifetimeSeconds: 3600,
    requiredClaims: ['exp'],
    claims: { consumer: 'sub', roles: 'role', scopes: 'scope' },
    revocations,
  };
}
const nowS = () => Math.floor(Date.now() / 1000);

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

describe('JWT verification against a JWKS server', () => {
  let jwks: JwksServer;
  let k1: Awaited<ReturnType<typeof keyPair>>;
  let k2: Awaited<ReturnType<typeof keyPair>>;
  let cache: JwksCache;
  let verify: ReturnType<typeof createJwtVerifier>;
  const revocations = createLocalRevocations();
  let cacheClock = Date.now();

  const sign = (
    key: Awaited<ReturnType<typeof keyPair>>,
    claims: Record<string, unknown> = {},
    opts: { exp?: number; iat?: number; aud?: string; iss?: string; kid?: string } = {},
  ) => {
    const iat = opts.iat ?? nowS();
    return new SignJWT({ scope: 'orders:read orders:write', realm: { roles: ['user'] }, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: opts.kid ?? key.kid })
      .setIssuer(opts.iss ?? ISS)
      .setAudience(opts.aud ?? AUD)
      .setSubject('alice')
      .setIssuedAt(iat)
      .setExpirationTime(opts.exp ?? iat + 300)
      .sign(key.privateKey);
  };

  before(async () => {
    k1 = await keyPair('RS256', 'k1');
    k2 = await keyPair('ES256', 'k2');
    jwks = await startJwksServer([k1.jwk]);
    cache = new JwksCache(jwks.url, { cooldownMs: 60_000, maxAgeMs: 600_000, now: () => cacheClock });
    const settings: JwtSettings = {
      issuers: [
        {
          issuer: ISS,
          audience: [AUD],
          algorithms: ['RS256', 'ES256'],
          keys: { kind: 'remote', getKey: cache.getKey },
        },
      ],
      clockSkewSeconds: 30,
      maxLifetimeSeconds: 3600,
      requiredClaims: ['exp', 'sub'],
      claims: CLAIMS,
      revocations,
    };
    verify = createJwtVerifier(settings);
  });
  after(async () => jwks.close());

  test('accepts a valid token and maps consumer, roles and scopes from the configured claim paths', async () => {
    const r = await verify(await sign(k1));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.identity.consumer, 'alice');
    assert.deepEqual(r.identity.roles, ['user']);
    assert.deepEqual(r.identity.scopes, ['orders:read', 'orders:write']);
  });

  test('key rotation: a token with a new kid triggers one refetch and verifies', async () => {
    jwks.keys = [k1.jwk, k2.jwk];
    cacheClock += 61_000; // past the refetch cooldown, still inside the max age
    const before = cache.fetches;
    const r = await verify(await sign(k2));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(cache.fetches, before + 1);
  });

  test('unknown kids within the cooldown do not refetch the set', async () => {
    const stranger = await keyPair('RS256', 'nope');
    const before = cache.fetches;
    for (let i = 0; i < 5; i++) {
      const r = await verify(await sign(stranger));
      assert.deepEqual(r, { ok: false, code: 'auth.jwt.invalid', description: 'no key matches the token' });
    }
    assert.equal(cache.fetches, before);
  });

  test('a token signed with the wrong key under a known kid is refused', async () => {
    const forger = await keyPair('RS256', 'k1');
    const r = await verify(await sign(forger));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'auth.jwt.invalid');
  });

  test('alg none is refused', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: ISS, aud: AUD, exp: nowS() + 60 })}.`;
    const r = await verify(token);
    assert.equal(!r.ok && r.code, 'auth.jwt.alg');
  });

  test('HS/RS confusion: an HS256 token keyed with the public key is refused', async () => {
    const pem = await exportSPKI(k1.publicKey);
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const payload = b64({ sub: 'mallory', iss: ISS, aud: AUD, iat: nowS(), exp: nowS() + 60 });
    const sig = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    const r = await verify(`${header}.${payload}.${sig}`);
    assert.equal(!r.ok && r.code, 'auth.jwt.alg');
  });

  test('jku, x5u and embedded jwk headers are refused', async () => {
    for (const extra of [{ jku: 'http://evil.test/jwks' }, { x5u: 'http://evil.test/c' }, { jwk: k1.jwk }]) {
      const t = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...extra })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(k1.privateKey);
      const r = await verify(t);
      assert.deepEqual(r, {
        ok: false,
        code: 'auth.jwt.invalid',
        description: 'token header names its own key',
      });
    }
  });

  test('expired is refused; expired within the clock skew is accepted', async () => {
    const expired = await verify(await sign(k1, {}, { iat: nowS() - 600, exp: nowS() - 60 }));
    assert.equal(!expired.ok && expired.code, 'auth.jwt.expired');
    const justNow = await verify(await sign(k1, {}, { iat: nowS() - 600, exp: nowS() - 10 }));
    assert.ok(justNow.ok);
  });

  test('not yet valid (nbf in the future) is refused', async () => {
    const t = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .setNotBefore(nowS() + 600)
      .setExpirationTime(nowS() + 900)
      .sign(k1.privateKey);
    const r = await verify(t);
    assert.deepEqual(r, { ok: false, code: 'auth.jwt.claims', description: 'token not valid yet' });
  });

  test('issued in the future beyond the skew is refused', async () => {
    const r = await verify(await sign(k1, {}, { iat: nowS() + 600, exp: nowS() + 900 }));
    assert.equal(!r.ok && r.code, 'auth.jwt.claims');
  });

  test('wrong audience and untrusted issuer are refused', async () => {
    const aud = await verify(await sign(k1, {}, { aud: 'billing-api' }));
    assert.deepEqual(aud, { ok: false, code: 'auth.jwt.claims', description: 'token audience not accepted' });
    const iss = await verify(await sign(k1, {}, { iss: 'https://evil.test' }));
    assert.deepEqual(iss, { ok: false, code: 'auth.jwt.claims', description: 'untrusted issuer' });
  });

  test('a tampered payload is refused', async () => {
    const [h, p, s] = (await sign(k1)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims.sub = 'admin';
    const r = await verify(`${h}.${b64(claims)}.${s}`);
    assert.equal(!r.ok && r.code, 'auth.jwt.invalid');
  });

  test('a tampered payload is refused even while its original, same signature, is cached', async () => {
    const original = await sign(k1);
    assert.ok((await verify(original)).ok);
    assert.ok((await verify(original)).ok, 'answered from the cache');
    const [h, p, s] = original.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims.sub = 'admin';
    const r = await verify(`${h}.${b64(claims)}.${s}`);
    assert.equal(!r.ok && r.code, 'auth.jwt.invalid');
    assert.ok((await verify(original)).ok, 'the original still verifies');
  });

  test('a lifetime over the maximum is refused even when the signature is good', async () => {
    const r = await verify(await sign(k1, {}, { exp: nowS() + 10 * 86400 }));
    assert.deepEqual(r, {
      ok: false,
      code: 'auth.jwt.claims',
      description: 'token lifetime exceeds the allowed maximum',
    });
  });

  test('missing required claims are refused', async () => {
    const t = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k1.privateKey);
    const r = await verify(t);
    assert.equal(!r.ok && r.code, 'auth.jwt.claims');
  });

  test('a revoked jti is refused', async () => {
    const t = await sign(k1, { jti: 'tok-42' });
    assert.ok((await verify(t)).ok);
    await revocations.revoke('jti', 'tok-42', Date.now() + 60_000);
    assert.deepEqual(await verify(t), { ok: false, code: 'auth.jwt.revoked', description: 'token revoked' });
  });

  test('garbage never throws', async () => {
    for (const g of ['', 'a.b', 'a.b.c.d', '....', `${'a'.repeat(9000)}.b.c`, 'eyJ.eyJ.x', '%%%.%%%.%%%']) {
      const r = await verify(g);
      assert.equal(r.ok, false);
    }
  });
});

describe('JWKS cache', () => {
  test('serves the last good set while the endpoint fails (stale-while-error)', async () => {
    const k = await keyPair('ES256', 'a');
    const server = await startJwksServer([k.jwk]);
    let clock = 1_000_000;
    const cache = new JwksCache(server.url, { maxAgeMs: 1000, now: () => clock });
    const verify = createJwtVerifier({
      cacheMs: 0,
      issuers: [
        {
          issuer: ISS,
          audience: undefined,
          algorithms: ['ES256'],
          keys: { kind: 'remote', getKey: cache.getKey },
        },
      ],
      clockSkewSeconds: 30,
      maxLifetimeSeconds: 3600,
      requiredClaims: ['exp'],
      claims: CLAIMS,
      revocations: undefined,
    });
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256', kid: 'a' })
      .setIssuer(ISS)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k.privateKey);
    assert.ok((await verify(token)).ok);
    server.failWith = 500;
    clock += 5000;
    assert.ok((await verify(token)).ok);
    await new Promise((r) => setTimeout(r, 50)); // the background refresh fails
    assert.ok((await verify(token)).ok);
    assert.ok(server.hits >= 2);
    await server.close();
  });

  test('no reachable set and nothing cached: 503 auth.unavailable, never a pass', async () => {
    const server = await startJwksServer([]);
    server.failWith = 503;
    const cache = new JwksCache(server.url);
    const k = await keyPair('ES256', 'a');
    const verify = createJwtVerifier({
      issuers: [
        {
          issuer: ISS,
          audience: undefined,
          algorithms: ['ES256'],
          keys: { kind: 'remote', getKey: cache.getKey },
        },
      ],
      clockSkewSeconds: 30,
      maxLifetimeSeconds: 3600,
      requiredClaims: ['exp'],
      claims: CLAIMS,
      revocations: undefined,
    });
    const token = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'ES256', kid: 'a' })
      .setIssuer(ISS)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k.privateKey);
    assert.deepEqual(await verify(token), {
      ok: false,
      code: 'auth.unavailable',
      description: 'token keys unavailable',
    });
    await server.close();
  });

  test('drops symmetric and private keys a JWKS should never carry', async () => {
    const k = await keyPair('ES256', 'a');
    const server = await startJwksServer([{ kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' }]);
    const cache = new JwksCache(server.url);
    await assert.rejects(cache.getKey({ alg: 'HS256', kid: 'h' }));
    assert.ok(k);
    await server.close();
  });
});

describe('JWT with an HMAC secret and static keys', () => {
  const secret = new TextEncoder().encode('a-strong-secret-of-at-least-32-bytes!!');
  const settings = hmacSettings(secret);
  const verify = createJwtVerifier(settings);

  test('accepts HS256 with the secret; a single role string maps to one role', async () => {
    const t = await new SignJWT({ sub: '2', role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    const r = await verify(t);
    assert.ok(r.ok);
    assert.deepEqual(r.identity.roles, ['user']);
    assert.equal(r.identity.consumer, '2');
  });

  test('refuses a token signed with another secret, and an RS256 token', async () => {
    const other = await new SignJWT({ sub: '2' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('secret123'));
    assert.equal((await verify(other)).ok, false);
    const k = await keyPair('RS256', 'x');
    const rs = await new SignJWT({ sub: '2' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k.privateKey);
    const r = await verify(rs);
    assert.equal(!r.ok && r.code, 'auth.jwt.alg');
  });

  test('static PEM and JWK keys verify tokens', async () => {
    const k = await keyPair('ES256', 'pem');
    const pem = await exportSPKI(k.publicKey);
    const v = createJwtVerifier({
      ...settings,
      issuers: [{ issuer: ISS, audience: undefined, algorithms: ['ES256'], keys: staticKeySource([pem]) }],
    });
    const t = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(ISS)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k.privateKey);
    assert.ok((await v(t)).ok);
    const v2 = createJwtVerifier({
      ...settings,
      issuers: [
        {
          issuer: ISS,
          audience: undefined,
          algorithms: ['ES256'],
          keys: staticKeySource([JSON.stringify(k.jwk)]),
        },
      ],
    });
    assert.ok((await v2(t)).ok);
    assert.ok(createPublicKey(pem));
  });
});

describe('verified-token cache', () => {
  test('a cached token stops being accepted at its exp', async () => {
    const secret = new TextEncoder().encode('another-strong-secret-of-32-bytes-or-more');
    let clock = Date.now();
    const verify = createJwtVerifier(hmacSettings(secret), () => clock);
    const iat = Math.floor(clock / 1000);
    const t = await new SignJWT({ sub: 'c' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(secret);
    assert.ok((await verify(t)).ok);
    assert.ok((await verify(t)).ok);
    clock += 61_000;
    const r = await verify(t);
    assert.equal(!r.ok && r.code, 'auth.jwt.expired');
  });

  test('the token answered last is still checked for revocation, and never answers for another', async () => {
    const secret = new TextEncoder().encode('another-strong-secret-of-32-bytes-or-more');
    const revocations = createLocalRevocations();
    const verify = createJwtVerifier(hmacSettings(secret, revocations));
    const token = (sub: string, jti: string) =>
      new SignJWT({ sub, jti })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret);
    const a = await token('alice', 'jti-a');
    const b = await token('bob', 'jti-b');
    for (const t of [a, a, b, b, a, b]) {
      const r = await verify(t);
      assert.equal(r.ok && r.identity.consumer, t === a ? 'alice' : 'bob');
    }
    assert.ok((await verify(b)).ok, 'b is the entry answered last');
    await revocations.revoke('jti', 'jti-b', Date.now() + 60_000);
    assert.deepEqual(await verify(b), { ok: false, code: 'auth.jwt.revoked', description: 'token revoked' });
    assert.ok((await verify(a)).ok);
  });
});
