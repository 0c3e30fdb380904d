import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  algNone,
  crackHmac,
  decodeJwt,
  maskSecret,
  signHs,
  stripSignature,
  tamperClaims,
} from '../../src/scanner/jwt.ts';

const token = signHs(
  { alg: 'HS256', typ: 'JWT' },
  { sub: '1', role: 'user', exp: 2_000_000_000 },
  'secret123',
);

describe('scanner JWT helpers', () => {
  it('decodes without verifying and refuses what is not a JWT', () => {
    assert.equal(decodeJwt(token)?.payload.sub, '1');
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.!!.!!', `${'a'.repeat(20_000)}.b.c`])
      assert.equal(decodeJwt(bad), undefined);
  });

  it('cracks an HS256 secret from the bundled wordlist, and only that', () => {
    const jwt = decodeJwt(token);
    assert.ok(jwt);
    assert.equal(crackHmac(jwt), 'secret123');
    const strong = decodeJwt(signHs({ alg: 'HS256' }, { sub: '1' }, `${'x'.repeat(16)}Q7#unlisted-secret`));
    assert.ok(strong);
    assert.equal(crackHmac(strong), undefined);
    const rs = decodeJwt(`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.sig`);
    assert.ok(rs);
    assert.equal(crackHmac(rs), undefined);
  });

  it('builds alg none, stripped-signature and tampered variants', () => {
    const jwt = decodeJwt(token);
    assert.ok(jwt);
    assert.equal(decodeJwt(algNone(jwt))?.header.alg, 'none');
    assert.ok(algNone(jwt).endsWith('.'));
    assert.equal(stripSignature(jwt), `${jwt.signingInput}.`);
    const t = decodeJwt(tamperClaims(jwt));
    assert.equal(t?.payload.exp, 2_000_000_001);
    assert.equal(t?.signature, jwt.signature);
    // The forged signature is a real HMAC of header.payload.
    const [h, p, s] = signHs({ alg: 'HS256' }, { a: 1 }, 'k3y!').split('.');
    assert.equal(s, createHmac('sha256', 'k3y!').update(`${h}.${p}`).digest('base64url'));
  });

  it('masks a secret, keeping only its ends', () => {
    assert.equal(maskSecret('secret123'), 's*******3');
    assert.equal(maskSecret('abc'), '***');
  });
});
