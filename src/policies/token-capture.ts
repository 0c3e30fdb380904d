import { claimAt } from '../auth/claims.ts';
import { recordIssuedToken } from '../auth/issued.ts';
import {
  addResponseFilter,
  CONTINUE,
  isJsonMediaType,
  type PhaseEntry,
  type ResponseFilter,
} from '../gateway/pipeline.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';
import { sharedState } from './services.ts';

/** Largest login response read for its token. */
const MAX_LOGIN_RESPONSE = 65_536;
const PASS = Object.freeze({ kind: 'pass' as const });

/** The JWT schemes whose `issuedThrough` names this route's operation. */
function schemesFor(ctx: PolicyCompileContext): { field: string; maxLifetimeMs: number }[] {
  const op = ctx.operation?.operationId;
  if (op === undefined || ctx.config.auth === undefined) return [];
  const out: { field: string; maxLifetimeMs: number }[] = [];
  for (const jwt of Object.values(ctx.config.auth.jwt)) {
    const through = jwt.issuedThrough;
    if (through === undefined) continue;
    if (through.operation === op || through.operation === `${ctx.api.name}:${op}`)
      out.push({ field: through.field, maxLifetimeMs: jwt.maxLifetimeSeconds * 1000 });
  }
  return out;
}

/**
 * On the login operation named by `auth.jwt.<scheme>.issuedThrough`, record every token its 2xx
 * JSON response carries as issued (see auth/issued.ts). The filter only reads: the client gets the
 * response unchanged. It runs first among response filters (authenticate phase), so it sees the
 * token before any masking.
 */
export const tokenCapturePolicy: PolicyFactory = {
  name: 'token-capture',
  phase: 'authenticate',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    const schemes = schemesFor(ctx);
    if (schemes.length === 0) return null;
    const state = sharedState(ctx.services);
    const filter: ResponseFilter = {
      name: 'token-capture',
      head(head) {
        if (head.status < 200 || head.status > 299 || head.method === 'HEAD') return null;
        return {
          maxBytes: MAX_LOGIN_RESPONSE,
          overflow: null,
          body(_head, held) {
            if (!isJsonMediaType(held.mediaType)) return PASS;
            const json = held.json();
            if (json === undefined) return PASS;
            for (const s of schemes) {
              // the mirror is updated before this returns; the shared write finishes in the background
              recordIssuedToken(state, claimAt(json.value, s.field), s.maxLifetimeMs).catch((err: unknown) =>
                head.record({
                  policy: 'token-capture',
                  event: 'token-capture.failed',
                  detail: { error: (err as Error).name },
                }),
              );
            }
            return PASS;
          },
        };
      },
    };
    return {
      name: 'token-capture',
      mode: 'enforce',
      run(rc) {
        addResponseFilter(rc, filter);
        return CONTINUE;
      },
    };
  },
};
