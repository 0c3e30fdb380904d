import type { RequestContext } from '../gateway/pipeline.ts';

/** How a caller proved who it is. */
export type IdentityKind = 'apikey' | 'jwt' | 'introspection' | 'mtls';

/** The verified caller, set by the authenticate phase in `ctx.identity` and read by later phases. */
export interface Identity {
  /** Stable consumer id (API key owner, JWT `sub`, certificate subject, …). */
  readonly consumer: string;
  readonly kind: IdentityKind;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** The API key id, for API keys (never the key). */
  readonly keyId?: string;
  /** Verified token claims (JWT, introspection), for ownership rules. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The identity established for this request, if any. */
export function getIdentity(ctx: Pick<RequestContext, 'identity'>): Identity | undefined {
  return ctx.identity;
}

/** Record the identity for later phases. */
export function setIdentity(ctx: Pick<RequestContext, 'identity'>, identity: Identity): void {
  ctx.identity = identity;
}
