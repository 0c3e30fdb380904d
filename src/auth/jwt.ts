import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  type CryptoKey,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { RefusalCode } from '../errors.ts';
import { type ClaimPaths, claimAt, claimList, consumerOf } from './claims.ts';
import { JwksUnavailableError } from './jwks.ts';
import type { RevocationSet } from './revocation.ts';

/** Every JWS algorithm Rampart can be told to accept. `none` is not one of them, whatever the config. */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** True for the HMAC algorithms (a shared secret), false for the public-key ones. */
export function isHmacAlgorithm(alg: string): boolean {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/** Where an issuer's verification keys come from. */
export type KeySource =
  | { readonly kind: 'remote'; readonly getKey: (header: JWSHeaderParameters) => Promise<CryptoKey> }
  | { readonly kind: 'static'; readonly getKey: (header: JWSHeaderParameters) => Promise<CryptoKey> }
  | { readonly kind: 'secret'; readonly secret: Uint8Array };

/** One trusted issuer, compiled. */
export interface JwtIssuer {
  /** Exact `iss` value; undefined matches tokens without `iss` (only when it is the sole issuer). */
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly keys: KeySource;
  /** Tokens must be certificate-bound (RFC 8705 `cnf.x5t#S256`). */
  readonly certificateBound?: boolean;
}

/** A compiled JWT verifier's settings. */
export interface JwtSettings {
  readonly issuers: readonly JwtIssuer[];
  readonly clockSkewSeconds: number;
  /** Longest allowed `exp - iat`, and oldest allowed `iat`. */
  readonly maxLifetimeSeconds: number;
  readonly requiredClaims: readonly string[];
  readonly claims: ClaimPaths;
  readonly revocations: RevocationSet | undefined;
  /** Set by `issuedThrough`: true for tokens the gateway saw issued; others are refused (auth.jwt.unissued). */
  readonly issued?: ((token: string) => boolean) | undefined;
  /**
   * How long a verified token is remembered (never past its `exp`), so a client reusing a token
   * costs a map lookup instead of a signature check; 0 turns it off. Default 60 s.
   */
  readonly cacheMs?: number;
}

/** Characters of a token's end that key its cache entry: the base64url length of a 256-bit signature. */
const SIGNATURE_TAIL = 43;

/** Most verified tokens remembered at once; the oldest is forgotten first. */
export const MAX_CACHED_TOKENS = 10_000;

/** What a verified token establishes. */
export interface JwtIdentity {
  readonly consumer: string;
  readonly roles: string[];
  readonly scopes: string[];
  readonly claims: JWTPayload;
  /** The issuer requires the token to be bound to the client certificate. */
  readonly certificateBound?: boolean;
}

/** A token's verdict; failures carry the refusal code and a client-safe description. */
export type JwtResult =
  | { readonly ok: true; readonly identity: JwtIdentity }
  | { readonly ok: false; readonly code: RefusalCode; readonly description: string };

const MAX_TOKEN_LENGTH = 8192;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// A key or a key location chosen by the token itself would let its author pick the key that verifies it.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

const fail = (code: RefusalCode, description: string): JwtResult => ({ ok: false, code, description });

/** A verified token kept for a while: answered again without its signature, never past `until`. */
interface CachedToken {
  readonly token: string;
  readonly until: number;
  readonly result: JwtResult;
}

/** Build the per-request verify function from compiled settings. */
export function createJwtVerifier(
  settings: JwtSettings,
  now: () => number = Date.now,
): (token: string) => JwtResult | Promise<JwtResult> {
  const allAlgorithms = new Set<string>(settings.issuers.flatMap((i) => i.algorithms));
  const byIssuer = new Map<string, JwtIssuer>();
  let anonymous: JwtIssuer | undefined;
  for (const i of settings.issuers) {
    if (i.issuer === undefined) anonymous = i;
    else byIssuer.set(i.issuer, i);
  }
  const skew = settings.clockSkewSeconds;
  const cacheMs = settings.cacheMs ?? 60_000;
  // keyed by the token's last 43 characters, all signature for every algorithm allowed (HS256's is
  // exactly 43): the part its bearer could not have guessed. The map then hashes 43 characters
  // instead of the whole token (~250), and the entry's full token must still equal the presented
  // one exactly, so the key only spreads entries and never decides a match
  const verified = new Map<string, CachedToken>();
  const cacheKey = (token: string): string =>
    token.length > SIGNATURE_TAIL ? token.slice(-SIGNATURE_TAIL) : token;
  // the entry answered last: a client sends the same token on request after request, and comparing
  // it with the presented token spares slicing and hashing the key (the entry's checks still run)
  let last: CachedToken | undefined;

  // a token verified lately is answered at once (no promise): the common request costs a map lookup
  return function verifyJwt(token: string): JwtResult | Promise<JwtResult> {
    if (cacheMs > 0) {
      let hit = last;
      if (hit === undefined || hit.token !== token) {
        hit = verified.get(cacheKey(token));
        if (hit !== undefined && hit.token !== token) hit = undefined;
      }
      if (hit !== undefined) {
        if (hit.until > now()) {
          last = hit;
          return issuedOr(token, revokedOr(hit.result));
        }
        verified.delete(cacheKey(token));
        if (last === hit) last = undefined;
      }
    }
    return verifyAndRemember(token);
  };

  async function verifyAndRemember(token: string): Promise<JwtResult> {
    const result = issuedOr(token, await verifyUncached(token));
    if (cacheMs > 0 && result.ok && typeof result.identity.claims.exp === 'number') {
      const until = Math.min(result.identity.claims.exp * 1000, now() + cacheMs);
      if (verified.size >= MAX_CACHED_TOKENS) {
        const oldest = verified.keys().next().value;
        if (oldest !== undefined) {
          if (last !== undefined && cacheKey(last.token) === oldest) last = undefined;
          verified.delete(oldest);
        }
      }
      verified.set(cacheKey(token), { token, until, result });
    }
    return result;
  }

  // checked after the signature, so a malformed or expired token keeps its own refusal code
  function issuedOr(token: string, result: JwtResult): JwtResult {
    if (!result.ok || settings.issued === undefined || settings.issued(token)) return result;
    return fail('auth.jwt.unissued', 'token was not issued through this gateway');
  }

  // a cached token is still checked against revocations made since it was verified
  function revokedOr(result: JwtResult): JwtResult {
    if (!result.ok) return result;
    const jti = result.identity.claims.jti;
    if (typeof jti === 'string' && settings.revocations?.has('jti', jti) === true) {
      return fail('auth.jwt.revoked', 'token revoked');
    }
    return result;
  }

  async function verifyUncached(token: string): Promise<JwtResult> {
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT.test(token))
      return fail('auth.jwt.invalid', 'malformed token');
    let header: JWSHeaderParameters;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token) as JWSHeaderParameters;
      unverified = decodeJwt(token);
    } catch {
      return fail('auth.jwt.invalid', 'malformed token');
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || !allAlgorithms.has(alg)) {
      return fail('auth.jwt.alg', 'token algorithm not allowed');
    }
    for (const h of FORBIDDEN_HEADERS) {
      if (Object.hasOwn(header, h)) return fail('auth.jwt.invalid', 'token header names its own key');
    }
    const iss = unverified.iss;
    const issuer = typeof iss === 'string' ? (byIssuer.get(iss) ?? undefined) : anonymous;
    if (issuer === undefined) return fail('auth.jwt.claims', 'untrusted issuer');
    // per issuer: an RS/ES issuer never accepts HS*, so its public key can never become an HMAC secret
    if (!issuer.algorithms.includes(alg as JwtAlgorithm))
      return fail('auth.jwt.alg', 'token algorithm not allowed');

    const nowMs = now();
    let payload: JWTPayload;
    try {
      const key = issuer.keys.kind === 'secret' ? issuer.keys.secret : issuer.keys.getKey;
      const result = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        algorithms: [...issuer.algorithms],
        ...(issuer.issuer === undefined ? {} : { issuer: issuer.issuer }),
        ...(issuer.audience === undefined ? {} : { audience: [...issuer.audience] }),
        clockTolerance: skew,
        maxTokenAge: settings.maxLifetimeSeconds + skew,
        requiredClaims: [...settings.requiredClaims],
        currentDate: new Date(nowMs),
      });
      payload = result.payload;
    } catch (err) {
      return mapError(err);
    }
    if (typeof payload.exp === 'number' && typeof payload.iat === 'number') {
      if (payload.exp - payload.iat > settings.maxLifetimeSeconds) {
        return fail('auth.jwt.claims', 'token lifetime exceeds the allowed maximum');
      }
    }
    if (typeof payload.jti === 'string' && settings.revocations?.has('jti', payload.jti) === true) {
      return fail('auth.jwt.revoked', 'token revoked');
    }
    const consumer = consumerOf(claimAt(payload, settings.claims.consumer));
    if (consumer === undefined) return fail('auth.jwt.claims', 'token names no consumer');
    return {
      ok: true,
      identity: {
        consumer,
        roles: claimList(claimAt(payload, settings.claims.roles)),
        scopes: claimList(claimAt(payload, settings.claims.scopes)),
        claims: payload,
        ...(issuer.certificateBound === true ? { certificateBound: true } : {}),
      },
    };
  }
}

function mapError(err: unknown): JwtResult {
  if (err instanceof JwksUnavailableError) return fail('auth.unavailable', 'token keys unavailable');
  if (err instanceof errors.JWTExpired) return fail('auth.jwt.expired', 'token expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return fail('auth.jwt.claims', 'token not valid yet');
      case 'iat':
        return fail('auth.jwt.claims', 'token issued in the future');
      case 'aud':
        return fail('auth.jwt.claims', 'token audience not accepted');
      case 'iss':
        return fail('auth.jwt.claims', 'untrusted issuer');
      default:
        return fail('auth.jwt.claims', `token claim ${safeClaimName(err.claim)} missing or invalid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return fail('auth.jwt.alg', 'token algorithm not allowed');
  if (err instanceof errors.JWKSNoMatchingKey) return fail('auth.jwt.invalid', 'no key matches the token');
  return fail('auth.jwt.invalid', 'token signature or format invalid');
}

function safeClaimName(claim: string): string {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(claim) ? claim : 'value';
}

/**
 * A static key set from PEM or JWK texts (public keys or certificates; a private key yields its
 * public half). Keys with a `kid` match tokens by kid; jose tries each candidate otherwise.
 */
export function staticKeySource(texts: readonly string[]): KeySource {
  const keys: JWK[] = [];
  for (const text of texts) {
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) {
      const parsed = JSON.parse(trimmed) as JWK | { keys: JWK[] };
      const list = 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
      for (const jwk of list) keys.push(publicJwk(jwk));
    } else {
      const key: KeyObject = createPublicKey(trimmed);
      keys.push(key.export({ format: 'jwk' }) as JWK);
    }
  }
  const resolver = createLocalJWKSet({ keys });
  return { kind: 'static', getKey: (header) => resolver(header) };
}

function publicJwk(jwk: JWK): JWK {
  if (jwk.kty === 'oct') throw new TypeError('a symmetric JWK is not a verification key; use secret');
  if (jwk.d === undefined) return jwk;
  const pub = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({
    format: 'jwk',
  }) as JWK;
  return {
    ...pub,
    ...(jwk.kid === undefined ? {} : { kid: jwk.kid }),
    ...(jwk.alg === undefined ? {} : { alg: jwk.alg }),
  };
}
