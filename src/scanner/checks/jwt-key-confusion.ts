/** API2: RS/PS/ES tokens whose verifier also accepts HS256 keyed with the public key (algorithm confusion). */
import { createPublicKey, type JsonWebKey, randomBytes } from 'node:crypto';
import type { Check, Identity, ScanContext } from '../context.ts';
import type { Exchange } from '../http.ts';
import { signHs } from '../jwt.ts';
import { isSecured, opKey } from '../ops.ts';
import type { CheckMeta, Evidence } from '../types.ts';
import { ok, parseJson } from './util.ts';

const meta: CheckMeta = {
  id: 'jwt-key-confusion',
  title: 'JWT algorithm confusion: HS256 signed with the public key is accepted',
  category: 'API2',
  cwe: 327,
  severity: 'critical',
  severityReason: 'Remote, needs only the published public key: anyone can mint tokens for any user or role.',
  description:
    "The API's RSA public key (a JWKS the target publishes, or the scan config's `jwks` when an identity provider publishes it elsewhere) works as an HMAC secret: a token signed with HS256 keyed with its PEM text is accepted, because the verifier takes the algorithm from the token.",
  remediation:
    'Pin the algorithms per key and never let the token choose; the Rampart gateway `authn` policy (auth.jwt issuers[].algorithms, keys typed by JWKS kty) refuses an HS256 token for an RSA issuer (401 auth.jwt.algorithm).',
};

const MAX_KEYS = 3;
const MAX_JWKS_BYTES = 256 * 1024;
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$/;

function jwtIdentity(ids: readonly Identity[]): Identity | undefined {
  const asym = (i: Identity) => typeof i.jwt?.header.alg === 'string' && ASYMMETRIC.test(i.jwt.header.alg);
  return ids.find((i) => asym(i) && !i.privileged) ?? ids.find(asym);
}

// A same-origin absolute URL as a request path; undefined for another origin (the scanner never leaves the target).
function sameOriginPath(ctx: ScanContext, raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  try {
    const u = new URL(raw, ctx.target);
    return u.origin === ctx.target.origin ? `${u.pathname}${u.search}` : undefined;
  } catch {
    return undefined;
  }
}

async function getJson(ctx: ScanContext, path: string): Promise<{ ex: Exchange; value: unknown }> {
  const ex = await ctx.send({ method: 'GET', path, headers: { accept: 'application/json' } });
  const body = ex.response?.body ?? '';
  return { ex, value: ok(ex) && body.length <= MAX_JWKS_BYTES ? parseJson(body) : undefined };
}

function rsaKeys(jwks: unknown, kid: unknown): Record<string, unknown>[] {
  if (typeof jwks !== 'object' || jwks === null) return [];
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return [];
  const rsa = keys.filter(
    (k): k is Record<string, unknown> =>
      typeof k === 'object' && k !== null && (k as Record<string, unknown>).kty === 'RSA',
  );
  const byKid = rsa.filter((k) => kid !== undefined && k.kid === kid);
  return (byKid.length > 0 ? byKid : rsa).slice(0, MAX_KEYS);
}

/** The JWKS the target publishes (well-known path, else the OpenID configuration's jwks_uri), with the exchange that fetched it. */
async function discoverJwks(ctx: ScanContext): Promise<{ ex: Exchange; jwks: unknown } | undefined> {
  const direct = await getJson(ctx, '/.well-known/jwks.json');
  if (Array.isArray((direct.value as { keys?: unknown } | undefined)?.keys))
    return { ex: direct.ex, jwks: direct.value };
  const oidc = await getJson(ctx, '/.well-known/openid-configuration');
  const uri = (oidc.value as { jwks_uri?: unknown } | undefined)?.jwks_uri;
  const path = sameOriginPath(ctx, uri);
  if (path === undefined) return undefined;
  const viaOidc = await getJson(ctx, path);
  return Array.isArray((viaOidc.value as { keys?: unknown } | undefined)?.keys)
    ? { ex: viaOidc.ex, jwks: viaOidc.value }
    : undefined;
}

// The PEM spellings a verifier may hold: SPKI and PKCS#1, with and without the final newline.
function pemForms(jwk: Record<string, unknown>): Buffer[] {
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const spki = String(key.export({ type: 'spki', format: 'pem' }));
    const pkcs1 = String(key.export({ type: 'pkcs1', format: 'pem' }));
    return [spki, spki.trimEnd(), pkcs1, pkcs1.trimEnd()].map((s) => Buffer.from(s));
  } catch {
    return [];
  }
}

// The JWKS of the scan config (for keys published elsewhere, e.g. by an identity provider), else the target's.
async function jwksFor(ctx: ScanContext): Promise<{ evidence: Evidence; jwks: unknown } | undefined> {
  if (ctx.config.jwks !== undefined) {
    return {
      jwks: { keys: ctx.config.jwks },
      evidence: {
        request: { method: 'CONFIG', url: 'jwks (scan config)', headers: {} },
        response: null,
        note: 'the public key, as given in the scan config',
      },
    };
  }
  const found = await discoverJwks(ctx);
  return found === undefined
    ? undefined
    : { jwks: found.jwks, evidence: ctx.evidence(found.ex, 'the public key, as the target publishes it') };
}

/** On the first secured GET: the JWKS (scan config, else discovered), then HS256 tokens keyed with each RSA key's PEM. */
export const jwtKeyConfusionCheck: Check = {
  meta,
  order: 31,
  units(plan) {
    const op = plan.operations.find((o) => isSecured(o) && o.method === 'get');
    return op === undefined
      ? []
      : [{ op, label: `${opKey(op)}: HS256 signed with the published RSA public key`, destructive: false }];
  },
  async run(unit, ctx) {
    const op = unit.op;
    const identity = jwtIdentity(ctx.identities);
    if (op === null || identity?.jwt === undefined) return;
    const base = await ctx.baseline(op, identity);
    if (!ok(base)) return;
    const found = await jwksFor(ctx);
    if (found === undefined) return;
    const header = { ...identity.jwt.header, alg: 'HS256' };
    const payload = { ...identity.jwt.payload };
    const attempt = async (key: Buffer) => {
      const token = signHs(header, payload, key);
      ctx.secret(token);
      const req = ctx.build(op, { identity, headers: { authorization: `Bearer ${token}` } });
      return req === undefined ? undefined : ctx.send(req);
    };
    // Control: HS256 under a random key must be refused, else signatures are not checked at all (jwt-validation's finding).
    if (ok(await attempt(randomBytes(32)))) return;
    for (const jwk of rsaKeys(found.jwks, identity.jwt.header.kid)) {
      for (const pem of pemForms(jwk)) {
        const ex = await attempt(pem);
        if (ok(ex)) {
          ctx.report(meta, {
            op,
            message: `${op.method.toUpperCase()} ${op.path} accepted an HS256 token whose HMAC key is the PEM text of the published RSA key${typeof jwk.kid === 'string' ? ` '${jwk.kid.slice(0, 64)}'` : ''} (${ex.response.status}), while HS256 under a random key is refused.`,
            evidence: [found.evidence, ctx.evidence(ex, 'HS256 token keyed with that public key')],
          });
          return;
        }
      }
    }
  },
};
