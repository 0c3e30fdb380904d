import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bearerChallenge } from '../auth/authenticators.ts';
import { claimAt } from '../auth/claims.ts';
import {
  createOwnerLookup,
  lookupPool,
  type OwnerLookup,
  parseLookupTemplate,
} from '../auth/ownership-lookup.ts';
import type { OwnershipConfig } from '../auth/schema.ts';
import { ConfigError, type Refusal, refuse } from '../errors.ts';
import { addResponseBodyCheck, CONTINUE, type RequestContext, type Verdict } from '../gateway/pipeline.ts';
import { isExactNumber } from '../util/exact-json.ts';
import { getIdentity, type Identity } from './identity.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';

const BOLA = refuse('authz.bola', 'not your object');
const BOLA_UNVERIFIABLE = refuse('authz.bola', 'object ownership could not be verified');
const LOOKUP_FAILED = refuse('auth.unavailable', 'object ownership lookup unavailable');
const FUNCTION = refuse('authz.function', 'operation requires the admin role');
const ROLE = refuse('authz.scope', 'operation requires another role');
const MAX_PARAM_LENGTH = 256;

/** The caller's value for an ownership rule: the consumer id, or a claim (JWT / introspection). */
function callerValue(identity: Identity, claim: string): string | undefined {
  if (claim === 'consumer') return identity.consumer;
  if (identity.claims === undefined) return claim === 'sub' ? identity.consumer : undefined;
  const v = claimAt(identity.claims, claim);
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? String(v) : undefined;
}

/** A scalar owner value compared as text (`42` and `"42"` are the same owner). */
function asText(v: unknown): string | undefined {
  if (isExactNumber(v)) return v.rawJSON;
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? String(v) : undefined;
}

function decodeParam(raw: string): string | undefined {
  if (raw.length > MAX_PARAM_LENGTH) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** True when the operation is an admin function: marked so, tagged so, or under an admin path segment. */
function isAdminOperation(
  c: PolicyCompileContext,
  tags: readonly string[],
  segments: readonly string[],
): boolean {
  if (c.policy.admin !== undefined) return c.policy.admin;
  if (c.operation?.tags.some((t) => tags.includes(t)) === true) return true;
  return c.template.split('/').some((s) => segments.includes(s));
}

function compileLookup(
  c: PolicyCompileContext,
  rule: NonNullable<OwnershipConfig['lookup']>,
  key: string,
): OwnerLookup {
  let names: string[];
  try {
    names = parseLookupTemplate(rule.path).flatMap((p) => ('param' in p ? [p.param] : []));
  } catch (err) {
    throw new ConfigError(`ownership lookup path: ${(err as Error).message}`, { key });
  }
  if (names.length === 0) throw new ConfigError('the ownership lookup path names no path parameter', { key });
  for (const n of names) {
    if (!c.template.includes(`{${n}}`))
      throw new ConfigError(`no path parameter {${n}} in ${c.template}`, { key });
  }
  const upstream = c.config.upstreams[c.api.upstream];
  if (upstream === undefined) throw new ConfigError(`unknown upstream ${c.api.upstream}`, { key });
  const baseDir = c.services.auth?.baseDir ?? process.cwd();
  const ca = upstream.ca === undefined ? undefined : readFileSync(resolve(baseDir, upstream.ca));
  const pool = lookupPool(c.services, new URL(upstream.url).origin, {
    connections: Math.min(upstream.connections, 32),
    connectTimeoutMs: upstream.connectTimeoutMs,
    rejectUnauthorized: upstream.rejectUnauthorized,
    ...(ca === undefined ? {} : { ca }),
  });
  return createOwnerLookup({
    dispatcher: pool,
    path: rule.path,
    field: rule.field,
    ttlMs: rule.ttlMs ?? 30_000,
    maxEntries: rule.maxEntries ?? 10_000,
    timeoutMs: rule.timeoutMs ?? 2_000,
  });
}

function compileOwnership(c: PolicyCompileContext, rule: Readonly<OwnershipConfig>) {
  const where = { key: `ownership of ${c.method} ${c.template}` };
  const kinds = [rule.param, rule.responseField, rule.lookup].filter((k) => k !== undefined).length;
  if (kinds !== 1) {
    throw new ConfigError('an ownership rule needs exactly one of param, responseField, lookup', where);
  }
  if (rule.param !== undefined && !c.template.includes(`{${rule.param}}`)) {
    throw new ConfigError(`no path parameter {${rule.param}} in ${c.template}`, where);
  }
  if (rule.responseField !== undefined && c.method !== 'GET' && c.method !== 'HEAD') {
    throw new ConfigError('a responseField ownership rule only fits GET operations', {
      ...where,
      hint: 'for writes, compare a path parameter, or look the owner up before the write',
    });
  }
  return {
    param: rule.param,
    responseField: rule.responseField,
    lookup: rule.lookup === undefined ? undefined : compileLookup(c, rule.lookup, where.key),
    claim: rule.claim ?? 'sub',
    bypassRoles: rule.bypassRoles ?? ['admin'],
  };
}

/**
 * The authorize phase: least privilege from the OpenAPI security requirement's scopes and
 * `x-rampart.roles` (403 authz.scope), admin functions for the admin role only (403 authz.function),
 * and per-operation ownership rules against the caller (403 authz.bola).
 */
export const authzPolicy: PolicyFactory = {
  name: 'authorize',
  phase: 'authorize',
  compile(c: PolicyCompileContext) {
    const auth = c.config.auth;
    const op = c.operation;
    if (auth === undefined || op === undefined) return null;
    const admin = isAdminOperation(c, auth.admin.tags, auth.admin.pathSegments);
    const roles = c.policy.roles;
    const ownership = c.policy.ownership === undefined ? undefined : compileOwnership(c, c.policy.ownership);
    if (!c.authenticated) {
      if (admin || roles !== undefined || ownership !== undefined) {
        throw new ConfigError(`${c.method} ${c.template} is public but has admin, roles or ownership rules`, {
          file: op.location?.file ?? c.document.file,
          line: op.location?.line,
          column: op.location?.column,
          hint: 'give the operation a security requirement, or mark it admin: false',
        });
      }
      return null;
    }
    // scopes each alternative of the security list requires (the union over its schemes)
    const scopesByAlternative = (op.security ?? []).map((req) => [...new Set(Object.values(req).flat())]);
    const needsScopes = scopesByAlternative.some((s) => s.length > 0);
    if (!admin && roles === undefined && ownership === undefined && !needsScopes) return null;
    const adminRole = auth.admin.role;
    const bypass = ownership?.bypassRoles ?? [];
    const maxBytes = auth.responseCheckMaxBytes;

    return {
      name: 'authorize',
      mode: c.mode,
      run: function authorize(ctx: RequestContext): Verdict | Promise<Verdict> {
        const identity = getIdentity(ctx);
        // an anonymous caller (security `{}` alternative) has no scopes, roles or objects
        if (identity === undefined)
          return { kind: 'refuse', refusal: refuse('auth.missing', 'credentials required') };
        const alt = ctx.securityAlternative;
        const required = typeof alt === 'number' ? (scopesByAlternative[alt] ?? []) : [];
        for (const s of required) {
          if (!identity.scopes.includes(s)) {
            return {
              kind: 'refuse',
              refusal: refuse('authz.scope', 'token lacks a required scope', {
                'www-authenticate': bearerChallenge(
                  'insufficient_scope',
                  'token lacks a required scope',
                  required.join(' '),
                ),
              }),
            };
          }
        }
        if (roles !== undefined && !roles.some((r) => identity.roles.includes(r)))
          return { kind: 'refuse', refusal: ROLE };
        if (admin && !identity.roles.includes(adminRole)) return { kind: 'refuse', refusal: FUNCTION };
        if (ownership === undefined || bypass.some((r) => identity.roles.includes(r))) return CONTINUE;
        const mine = callerValue(identity, ownership.claim);
        if (mine === undefined) return { kind: 'refuse', refusal: BOLA };
        if (ownership.lookup !== undefined) {
          return ownership.lookup(ctx.params).then((found): Verdict => {
            if (found.kind === 'error') return { kind: 'refuse', refusal: LOOKUP_FAILED };
            return found.kind === 'owner' && found.owner === mine
              ? CONTINUE
              : { kind: 'refuse', refusal: BOLA };
          });
        }
        if (ownership.param !== undefined) {
          const raw = ctx.params[ownership.param];
          const value = raw === undefined ? undefined : decodeParam(raw);
          return value === mine ? CONTINUE : { kind: 'refuse', refusal: BOLA };
        }
        const field = ownership.responseField!;
        addResponseBodyCheck(ctx, {
          maxBytes,
          unverifiable: BOLA_UNVERIFIABLE,
          check(body: unknown): Refusal | null {
            return asText(claimAt(body, field)) === mine ? null : BOLA;
          },
        });
        return CONTINUE;
      },
    };
  },
};
