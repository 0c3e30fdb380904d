import { createHash } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { type Refusal, type RefusalCode, refuse } from '../errors.ts';
import type { RequestContext } from '../gateway/pipeline.ts';
import type { Identity } from '../policies/identity.ts';
import { sameString } from './apikey.ts';
import { checkCertificateBinding } from './cert-binding.ts';
import type { JwtResult } from './jwt.ts';
import type { KeyCheck, KeyService } from './key-service.ts';

/** What one authenticator made of a request. */
export type AuthOutcome =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ok'; readonly identity: Identity }
  | { readonly kind: 'fail'; readonly refusal: Refusal };

/** Per-route settings an authenticator honours. */
export interface AuthenticateOptions {
  readonly allowQuery: boolean;
  /** JWTs must be bound to the connection's client certificate (RFC 8705). */
  readonly certificateBound?: boolean;
}

/** One configured authenticator, named by the OpenAPI security scheme it implements. */
export interface Authenticator {
  readonly scheme: string;
  /** The WWW-Authenticate challenge when no credential was sent. */
  readonly challenge: string;
  /** The query parameter it may read a credential from (API keys on routes that allow it). */
  readonly queryParam?: string;
  /**
   * The request header (lower-case) whose credential it consumes: once it authenticated the
   * request, the header does not reach the upstream. Undefined when the scheme forwards it.
   */
  readonly consumes?: string;
  /** The outcome, at once when no I/O is needed (a cached key or token), else a promise of it. */
  authenticate(ctx: RequestContext, options: AuthenticateOptions): AuthOutcome | Promise<AuthOutcome>;
}

/**
 * Published on every failed authentication, for brute-force protection and anomaly detection:
 * `{ ip, scheme, code, credential }` where credential is a key id or a short hash, never a secret.
 */
export const authFailureChannel = channel('rampart:auth.failure');

const ABSENT: AuthOutcome = Object.freeze({ kind: 'absent' });
const STORE_UNAVAILABLE: AuthOutcome = Object.freeze({
  kind: 'fail',
  refusal: refuse('auth.unavailable', 'key store unavailable'),
});
const MAX_CREDENTIAL_LENGTH = 8192;

/** A short, non-reversible tag for a credential so failures can be counted per credential. */
export function credentialTag(credential: string): string {
  return createHash('sha256').update(credential).digest('base64url').slice(0, 16);
}

function failure(
  ctx: RequestContext,
  scheme: string,
  code: RefusalCode,
  detail: string,
  credential: string,
  challenge?: string,
): AuthOutcome {
  if (authFailureChannel.hasSubscribers) {
    authFailureChannel.publish({ ip: ctx.clientIp, scheme, code, credential });
  }
  return {
    kind: 'fail',
    refusal: refuse(code, detail, challenge === undefined ? undefined : { 'www-authenticate': challenge }),
  };
}

/** RFC 6750 challenge for a refused bearer token; the description is one of ours, never token text. */
export function bearerChallenge(
  error?: 'invalid_token' | 'insufficient_scope',
  description?: string,
  scope?: string,
): string {
  let c = 'Bearer realm="rampart"';
  if (error !== undefined) c += `, error="${error}"`;
  if (description !== undefined) c += `, error_description="${description.replace(/["\\]/g, '')}"`;
  if (scope !== undefined) c += `, scope="${scope.replace(/["\\]/g, '')}"`;
  return c;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(ctx: RequestContext): string | undefined {
  const h = ctx.req.headers.authorization;
  if (typeof h !== 'string' || h.length > MAX_CREDENTIAL_LENGTH + 7) return undefined;
  if (h.length < 8 || !startsWithBearer(h)) return undefined;
  const token = h.slice(7).trim();
  return token === '' ? undefined : token;
}

/** API keys from a header (or, where a route allows it, a query parameter), checked by the key service. */
export function apiKeyAuthenticator(
  scheme: string,
  header: string,
  queryParam: string,
  keys: KeyService | undefined,
  forward = false,
): Authenticator {
  const name = header.toLowerCase();
  const challenge = `ApiKey realm="rampart", header="${name}"`;
  return {
    scheme,
    challenge,
    queryParam,
    ...(forward ? {} : { consumes: name }),
    authenticate(ctx, { allowQuery }) {
      let raw = ctx.req.headers[name];
      if (raw === undefined && allowQuery && ctx.query !== '') {
        const fromQuery = new URLSearchParams(ctx.query).getAll(queryParam);
        if (fromQuery.length > 0) raw = fromQuery.length === 1 ? fromQuery[0] : fromQuery;
      }
      if (raw === undefined) return ABSENT;
      // two keys at once is ambiguous: refuse rather than pick one
      if (typeof raw !== 'string')
        return failure(ctx, scheme, 'auth.key.invalid', 'one API key expected', '-', challenge);
      const key = trimmed(raw);
      if (key === '' || key.length > MAX_CREDENTIAL_LENGTH) {
        return failure(ctx, scheme, 'auth.key.invalid', 'invalid API key', '-', challenge);
      }
      if (keys === undefined) return STORE_UNAVAILABLE;
      let check: KeyCheck | Promise<KeyCheck>;
      let last: ConnectionKey | undefined;
      try {
        last = keyOnConnection(ctx.req.socket, key, keys);
        check = last === undefined ? { ok: false, reason: 'invalid' } : keys.verifyDigest(last.hash);
      } catch {
        return STORE_UNAVAILABLE;
      }
      if (check instanceof Promise) {
        return check.then(
          (c) => keyOutcome(ctx, c, key),
          () => STORE_UNAVAILABLE,
        );
      }
      // the key service answers an unchanged acceptance with the same object: so is the outcome
      const accepted = last?.accepted;
      if (accepted !== undefined && accepted.check === check) return accepted.outcome;
      const outcome = keyOutcome(ctx, check, key);
      if (last !== undefined && check.ok) last.accepted = { check, outcome };
      return outcome;
    },
  };

  function keyOutcome(ctx: RequestContext, check: KeyCheck, key: string): AuthOutcome {
    if (!check.ok) {
      const code: RefusalCode =
        check.reason === 'revoked'
          ? 'auth.key.revoked'
          : check.reason === 'expired'
            ? 'auth.key.expired'
            : 'auth.key.invalid';
      const detail = check.reason === 'invalid' ? 'invalid API key' : `API key ${check.reason}`;
      return failure(ctx, scheme, code, detail, check.keyId ?? credentialTag(key), challenge);
    }
    return {
      kind: 'ok',
      identity: {
        consumer: check.consumer.id,
        kind: 'apikey',
        roles: check.consumer.roles,
        scopes: check.consumer.scopes,
        keyId: check.key.id,
      },
    };
  }
}

/** The last key a connection presented: its digest, and its last acceptance with the outcome made of it. */
interface ConnectionKey {
  readonly key: string;
  readonly hash: string;
  accepted: { readonly check: KeyCheck; readonly outcome: AuthOutcome } | undefined;
}

// The last key each connection presented, with its digest: a keep-alive client sends the same key on
// every request, and its HMAC is most of what a cached key costs. Held only while the connection
// lives. The comparison is constant-time: behind a proxy one connection carries many clients' keys.
const lastKeyOf = new WeakMap<object, ConnectionKey>();

/** The connection's entry for `key` (its last one when the same key); undefined when malformed. */
function keyOnConnection(socket: object, key: string, keys: KeyService): ConnectionKey | undefined {
  const last = lastKeyOf.get(socket);
  if (last !== undefined && sameString(last.key, key)) return last;
  const hash = keys.digest(key);
  if (hash === undefined) return undefined;
  const entry: ConnectionKey = { key, hash, accepted: undefined };
  lastKeyOf.set(socket, entry);
  return entry;
}

/** `s` without surrounding whitespace, as trim() gives it, without the call when there is none. */
export function trimmed(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(n - 1);
  // the credential alphabets have no character at or below space: anything else takes the slow path
  return a > 0x20 && b > 0x20 && a !== 0xa0 && b !== 0xa0 && a < 0x1680 && b < 0x1680 ? s : s.trim();
}

/** Bearer JWTs, verified by a compiled verifier. Opaque (non-JWT) bearer tokens are left to introspection. */
export function jwtAuthenticator(
  scheme: string,
  verify: (token: string) => JwtResult | Promise<JwtResult>,
  forward = false,
): Authenticator {
  const challenge = bearerChallenge();
  return {
    scheme,
    challenge,
    ...(forward ? {} : { consumes: 'authorization' }),
    authenticate(ctx, options) {
      const token = bearerToken(ctx);
      if (token === undefined) return ABSENT;
      if (!isCompactJws(token)) return ABSENT;
      const r = verify(token);
      if (r instanceof Promise) return r.then((result) => tokenOutcome(ctx, options, token, result));
      return tokenOutcome(ctx, options, token, r);
    },
  };

  function tokenOutcome(
    ctx: RequestContext,
    options: AuthenticateOptions,
    token: string,
    r: JwtResult,
  ): AuthOutcome {
    if (!r.ok) {
      if (r.code === 'auth.unavailable') return { kind: 'fail', refusal: refuse(r.code, r.description) };
      return failure(
        ctx,
        scheme,
        r.code,
        r.description,
        credentialTag(token),
        bearerChallenge('invalid_token', r.description),
      );
    }
    const binding = checkCertificateBinding(
      r.identity.claims,
      ctx.req.socket,
      options.certificateBound === true || r.identity.certificateBound === true,
    );
    if (binding !== undefined) {
      const description =
        binding === 'mismatch'
          ? 'token is bound to another certificate'
          : binding === 'no-certificate'
            ? 'token requires a client certificate'
            : 'token is not certificate-bound';
      return failure(
        ctx,
        scheme,
        'auth.jwt.claims',
        description,
        credentialTag(token),
        bearerChallenge('invalid_token', description),
      );
    }
    return {
      kind: 'ok',
      identity: {
        consumer: r.identity.consumer,
        kind: 'jwt',
        roles: r.identity.roles,
        scopes: r.identity.scopes,
        claims: r.identity.claims,
      },
    };
  }
}

/** `Bearer ` at the start, in any case (RFC 7235 schemes are case-insensitive), without a lower-cased copy. */
function startsWithBearer(h: string): boolean {
  return (
    (h.charCodeAt(0) | 0x20) === 0x62 &&
    (h.charCodeAt(1) | 0x20) === 0x65 &&
    (h.charCodeAt(2) | 0x20) === 0x61 &&
    (h.charCodeAt(3) | 0x20) === 0x72 &&
    (h.charCodeAt(4) | 0x20) === 0x65 &&
    (h.charCodeAt(5) | 0x20) === 0x72 &&
    h.charCodeAt(6) === 0x20
  );
}

/** Two dots, three parts: the compact JWS shape (the third part may be empty for alg none, refused later). */
function isCompactJws(token: string): boolean {
  const first = token.indexOf('.');
  if (first <= 0) return false;
  const second = token.indexOf('.', first + 1);
  return second > first + 1 && token.indexOf('.', second + 1) === -1;
}
