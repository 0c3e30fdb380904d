import { createHash } from 'node:crypto';
import { refuse } from '../errors.ts';
import {
  type Authenticator,
  type AuthOutcome,
  authFailureChannel,
  bearerChallenge,
  bearerToken,
  credentialTag,
} from './authenticators.ts';
import { type ClaimPaths, claimAt, claimList, consumerOf } from './claims.ts';

/** Settings of an RFC 7662 introspection authenticator. */
export interface IntrospectionSettings {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutMs: number;
  /** Longest time an answer is reused (never past the token's `exp`). */
  readonly cacheMaxMs: number;
  readonly claims: ClaimPaths;
  /** Send the token on to the upstream once it is active (default: the upstream sees only the identity). */
  readonly forward?: boolean;
  readonly now?: () => number;
}

const MAX_ENTRIES = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
// an inactive answer is reused briefly: a token can become active only by being issued anew
const INACTIVE_CACHE_MS = 10_000;

/**
 * Opaque bearer tokens checked at the authorization server's introspection endpoint (RFC 7662), with
 * client credentials. Answers are cached by token hash; the endpoint failing means 503, never a pass.
 */
export function introspectionAuthenticator(scheme: string, s: IntrospectionSettings): Authenticator {
  const now = s.now ?? Date.now;
  const basic = Buffer.from(
    `${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`,
  ).toString('base64');
  const cache = new Map<string, { until: number; outcome: AuthOutcome }>();
  const inflight = new Map<string, Promise<AuthOutcome>>();
  const challenge = bearerChallenge();
  const inactive: AuthOutcome = {
    kind: 'fail',
    refusal: refuse('auth.token.inactive', 'token not active', {
      'www-authenticate': bearerChallenge('invalid_token', 'token not active'),
    }),
  };
  const unavailable: AuthOutcome = {
    kind: 'fail',
    refusal: refuse('auth.unavailable', 'token check unavailable'),
  };

  function remember(key: string, until: number, outcome: AuthOutcome): void {
    if (cache.size >= MAX_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, { until, outcome });
  }

  async function ask(token: string, key: string): Promise<AuthOutcome> {
    let doc: Record<string, unknown>;
    try {
      const res = await fetch(s.url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(s.timeoutMs),
      });
      if (res.status !== 200 || res.body === null) {
        await res.body?.cancel();
        return unavailable;
      }
      const text = await readCapped(res.body);
      const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return unavailable;
      doc = parsed as Record<string, unknown>;
    } catch {
      return unavailable;
    }
    const t = now();
    const exp = typeof doc.exp === 'number' ? doc.exp * 1000 : undefined;
    if (doc.active !== true || (exp !== undefined && exp <= t)) {
      remember(key, t + Math.min(INACTIVE_CACHE_MS, s.cacheMaxMs), inactive);
      return inactive;
    }
    const consumer = consumerOf(claimAt(doc, s.claims.consumer));
    if (consumer === undefined) return inactive;
    const outcome: AuthOutcome = {
      kind: 'ok',
      identity: {
        consumer,
        kind: 'introspection',
        roles: claimList(claimAt(doc, s.claims.roles)),
        scopes: claimList(claimAt(doc, s.claims.scopes)),
        claims: doc,
      },
    };
    remember(key, Math.min(exp ?? Number.POSITIVE_INFINITY, t + s.cacheMaxMs), outcome);
    return outcome;
  }

  return {
    scheme,
    challenge,
    ...(s.forward === true ? {} : { consumes: 'authorization' }),
    async authenticate(ctx) {
      const token = bearerToken(ctx);
      if (token === undefined) return { kind: 'absent' };
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = cache.get(key);
      let outcome: AuthOutcome;
      if (hit !== undefined && hit.until > now()) outcome = hit.outcome;
      else {
        let pending = inflight.get(key);
        if (pending === undefined) {
          // concurrent requests with one token share one call to the endpoint
          pending = ask(token, key).finally(() => inflight.delete(key));
          inflight.set(key, pending);
        }
        outcome = await pending;
      }
      if (outcome === inactive && authFailureChannel.hasSubscribers) {
        authFailureChannel.publish({
          ip: ctx.clientIp,
          scheme,
          code: 'auth.token.inactive',
          credential: credentialTag(token),
        });
      }
      return outcome;
    },
  };
}

async function readCapped(body: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
