import type { Authenticator, AuthOutcome } from '../auth/authenticators.ts';
import { withoutQueryParams } from '../auth/query-strip.ts';
import { authenticatorsFor } from '../auth/runtime.ts';
import { ConfigError, type Refusal, refuse } from '../errors.ts';
import { CONTINUE, type RequestContext, type Verdict } from '../gateway/pipeline.ts';
import { type Identity, setIdentity } from './identity.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';

const MAX_ALTERNATIVES = 16;

/** Merge the identities of an AND-combined alternative: the first names the consumer; roles and scopes add up. */
function merge(identities: readonly Identity[]): Identity {
  const [first, ...rest] = identities as [Identity, ...Identity[]];
  if (rest.length === 0) return first;
  const roles = new Set(first.roles);
  const scopes = new Set(first.scopes);
  for (const i of rest) {
    for (const r of i.roles) roles.add(r);
    for (const s of i.scopes) scopes.add(s);
  }
  return { ...first, roles: [...roles], scopes: [...scopes] };
}

/**
 * The authenticate phase: the operation's effective OpenAPI `security` requirement picks the
 * authenticators (by scheme name, from `auth:`); alternatives are tried in order, the first fully
 * satisfied one wins. The identity lands in `ctx.identity` and goes upstream in
 * `x-rampart-consumer` / `x-rampart-auth`, and `x-rampart-scopes` / `x-rampart-roles` when there are any
 * (space-separated; the gateway strips all `x-rampart-*` headers from clients, so absent means none).
 */
export const authnPolicy: PolicyFactory = {
  name: 'authenticate',
  phase: 'authenticate',
  compile(c: PolicyCompileContext) {
    const auth = c.config.auth;
    const op = c.operation;
    if (auth === undefined || op === undefined || !c.authenticated || op.security === undefined) return null;
    const all = authenticatorsFor(auth, c.services.auth);
    const where = {
      file: op.location?.file ?? c.document.file,
      line: op.location?.line,
      column: op.location?.column,
    };
    let anonymous = false;
    const alternatives: Authenticator[][] = [];
    for (const requirement of op.security.slice(0, MAX_ALTERNATIVES)) {
      const names = Object.keys(requirement);
      if (names.length === 0) {
        anonymous = true; // `{}` in the list: the operation may also be called without credentials
        alternatives.push([]);
        continue;
      }
      alternatives.push(
        names.map((n) => {
          const a = all.get(n);
          if (a === undefined) {
            throw new ConfigError(
              `security scheme "${n}" of ${c.method} ${c.template} has no authenticator`,
              {
                ...where,
                hint: `configure it under auth.apiKeys, auth.jwt, auth.introspection or auth.mtls as "${n}"`,
              },
            );
          }
          return a;
        }),
      );
    }
    const allowQuery = c.policy.apiKeyInQuery === true;
    const options = Object.freeze({ allowQuery, certificateBound: c.policy.certificateBoundTokens === true });
    const challenges = [...new Set(alternatives.flat().map((a) => a.challenge))];
    const missing = refuse('auth.missing', 'credentials required', {
      'www-authenticate': challenges.join(', '),
    });
    const frozen = Object.freeze(alternatives.map((a) => Object.freeze(a)));
    // a key accepted from the query string never travels further than the gateway
    const queryKeys = new Set(
      allowQuery
        ? alternatives.flat().flatMap((a) => (a.queryParam === undefined ? [] : [a.queryParam]))
        : [],
    );

    // per alternative, the headers whose credentials its authenticators consume
    const consumedBy = frozen.map((alt) => {
      const names = [...new Set(alt.flatMap((a) => (a.consumes === undefined ? [] : [a.consumes])))];
      return names.length === 0 ? undefined : Object.freeze(names);
    });
    const grant = (ctx: RequestContext, identity: Identity, alternative: number): Verdict => {
      setIdentity(ctx, identity);
      const consumed = consumedBy[alternative];
      if (consumed !== undefined) ctx.consumedHeaders = consumed;
      ctx.securityAlternative = alternative;
      ctx.upstreamHeaders.push(['x-rampart-consumer', identity.consumer], ['x-rampart-auth', identity.kind]);
      // none is sent as no header: clients' x-rampart-* headers never reach the upstream, so absent means none
      if (identity.scopes.length > 0)
        ctx.upstreamHeaders.push(['x-rampart-scopes', identity.scopes.join(' ')]);
      if (identity.roles.length > 0) ctx.upstreamHeaders.push(['x-rampart-roles', identity.roles.join(' ')]);
      return CONTINUE;
    };

    const single = frozen.length === 1 && frozen[0]!.length === 1 && queryKeys.size === 0;
    if (single) {
      // the common shape, one scheme: the same decision as the loop below for one alternative of
      // one authenticator, with no promise when the authenticator answers at once (a cached key or token)
      const only = frozen[0]![0]!;
      const decide = (ctx: RequestContext, outcome: AuthOutcome): Verdict => {
        if (outcome.kind === 'ok') return grant(ctx, outcome.identity, 0);
        if (outcome.kind === 'fail') return { kind: 'refuse', refusal: outcome.refusal };
        return { kind: 'refuse', refusal: missing };
      };
      return {
        name: 'authenticate',
        mode: c.mode,
        run: function authenticateOne(ctx: RequestContext): Verdict | Promise<Verdict> {
          const outcome = only.authenticate(ctx, options);
          if (outcome instanceof Promise) return outcome.then((o) => decide(ctx, o));
          return decide(ctx, outcome);
        },
      };
    }

    return {
      name: 'authenticate',
      mode: c.mode,
      run: async function authenticate(ctx: RequestContext): Promise<Verdict> {
        if (queryKeys.size > 0 && ctx.query !== '') {
          const stripped = withoutQueryParams(ctx.query, queryKeys);
          if (stripped !== ctx.query) ctx.forwardQuery = stripped;
        }
        let firstFailure: Refusal | undefined;
        for (let i = 0; i < frozen.length; i++) {
          const alt = frozen[i]!;
          if (alt.length === 0) continue;
          const identities: Identity[] = [];
          let outcome: AuthOutcome | undefined;
          for (const a of alt) {
            outcome = await a.authenticate(ctx, options);
            if (outcome.kind !== 'ok') break;
            identities.push(outcome.identity);
          }
          if (outcome?.kind === 'fail') {
            firstFailure ??= outcome.refusal;
            continue;
          }
          if (identities.length !== alt.length) continue;
          return grant(ctx, merge(identities), i);
        }
        if (firstFailure !== undefined) return { kind: 'refuse', refusal: firstFailure };
        if (anonymous) return CONTINUE;
        return { kind: 'refuse', refusal: missing };
      },
    };
  },
};
