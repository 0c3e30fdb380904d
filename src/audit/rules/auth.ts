import { joinPointer } from '../../openapi/pointer.ts';
import { declaresOwnSecurity, isObject, isPublic, operationLabel, operationRef } from '../context.ts';
import type { Rule, RuleHit } from '../types.ts';

/** Operations with no security requirement, or one that lets anonymous callers in, not marked public. */
export const noSecurity: Rule = {
  id: 'auth.no-security',
  title: 'Operation without a security requirement',
  category: 'API2',
  severity: 'critical',
  description:
    'An operation that declares no security requirement can be called by anyone. Rampart treats only an explicit `security: []` as a deliberate public operation.',
  fix: 'Add a security requirement (at the root or on the operation), or mark a truly public operation with `security: []`.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const op of ctx.operations) {
      const own = op.raw.security;
      let message: string | undefined;
      if (op.security === undefined) {
        message = `${operationLabel(op)} has no security requirement and is not marked public (security: [])`;
      } else if (!declaresOwnSecurity(op) && op.security.length === 0) {
        message = `${operationLabel(op)} is public only because the root security is empty; mark it public with its own security: []`;
      } else if (
        Array.isArray(own) &&
        own.length > 0 &&
        own.some((r) => isObject(r) && Object.keys(r).length === 0)
      ) {
        message = `${operationLabel(op)} allows anonymous callers through an empty {} security alternative`;
      }
      if (message) hits.push({ ...ctx.placeAt(op.pointer), message, operation: operationRef(op) });
    }
    return hits;
  },
};

/** Operations explicitly marked public: listed so a reviewer can confirm each one. */
export const publicOperation: Rule = {
  id: 'auth.public-operation',
  title: 'Public operation',
  category: 'API2',
  severity: 'info',
  description: 'An operation marked public with `security: []` is reachable without credentials.',
  fix: 'Confirm that the operation exposes nothing sensitive and is rate limited.',
  check(ctx) {
    return ctx.operations
      .filter((op) => declaresOwnSecurity(op) && isPublic(op) && (op.security?.length ?? 0) === 0)
      .map((op) => ({
        ...ctx.placeAt(`${op.pointer}/security`),
        message: `${operationLabel(op)} is public (security: [])`,
        operation: operationRef(op),
      }));
  },
};

/** Security requirements naming a scheme that components.securitySchemes does not define. */
export const undefinedScheme: Rule = {
  id: 'auth.undefined-scheme',
  title: 'Security requirement names an undefined scheme',
  category: 'API2',
  severity: 'high',
  description:
    'A security requirement that names no defined scheme cannot be enforced as written; tools disagree on what it means.',
  fix: 'Define the scheme under components.securitySchemes or correct the name.',
  check(ctx) {
    const hits: RuleHit[] = [];
    const judge = (list: unknown, pointer: string, op?: Parameters<typeof operationRef>[0]) => {
      if (!Array.isArray(list)) return;
      list.forEach((req, i) => {
        if (!isObject(req)) return;
        for (const name of Object.keys(req)) {
          if (ctx.securitySchemes[name]) continue;
          hits.push({
            ...ctx.placeAt(joinPointer(pointer, i, name)),
            message: `security scheme '${name}' is not defined in components.securitySchemes`,
            operation: op ? operationRef(op) : undefined,
          });
        }
      });
    };
    judge(ctx.doc.root.security, '/security');
    for (const op of ctx.operations) judge(op.raw.security, `${op.pointer}/security`, op);
    return hits;
  },
};

function schemeHits(
  ctx: Parameters<Rule['check']>[0],
  test: (scheme: Readonly<Record<string, unknown>>) => string | undefined,
): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const [name, scheme] of Object.entries(ctx.securitySchemes)) {
    const message = test(scheme);
    if (message) {
      hits.push({
        ...ctx.placeOf(scheme, joinPointer('/components/securitySchemes', name)),
        message: `'${name}': ${message}`,
      });
    }
  }
  return hits;
}

const httpScheme = (scheme: Readonly<Record<string, unknown>>): string | undefined =>
  scheme.type === 'http' && typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : undefined;

/** HTTP Basic authentication: a reusable password on every request. */
export const basicAuth: Rule = {
  id: 'auth.basic',
  title: 'HTTP Basic authentication',
  category: 'API2',
  severity: 'medium',
  description:
    'Basic authentication sends a long-lived password with every request, with no expiry, scope or revocation short of changing it.',
  fix: 'Use short-lived bearer tokens (OAuth 2 / JWT) or API keys in a header that can be rotated and revoked.',
  check: (ctx) =>
    schemeHits(ctx, (s) =>
      httpScheme(s) === 'basic' ? 'HTTP Basic sends the password on every request' : undefined,
    ),
};

/** API keys carried in the query string end up in logs, histories and Referer headers. */
export const apiKeyInQuery: Rule = {
  id: 'auth.apikey-in-query',
  title: 'API key in the query string',
  category: 'API2',
  severity: 'high',
  description:
    'A key in the URL is written to access logs, proxy logs, browser history and Referer headers, where it leaks.',
  fix: 'Carry the key in a header (`in: header`, e.g. X-API-Key) instead.',
  check: (ctx) =>
    schemeHits(ctx, (s) =>
      s.type === 'apiKey' && s.in === 'query'
        ? `API key '${String(s.name)}' is sent in the query string`
        : undefined,
    ),
};

/** OAuth 2 implicit and password grants, deprecated by the OAuth 2.0 Security BCP (RFC 9700). */
export const oauthDeprecatedFlow: Rule = {
  id: 'auth.oauth-deprecated-flow',
  title: 'Deprecated OAuth 2 flow',
  category: 'API2',
  severity: 'high',
  description:
    'The implicit grant exposes tokens in redirects and the resource owner password grant hands the user password to the client; RFC 9700 forbids both.',
  fix: 'Use the authorization code flow with PKCE (or client credentials for machine clients).',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const [name, scheme] of Object.entries(ctx.securitySchemes)) {
      if (scheme.type !== 'oauth2' || !isObject(scheme.flows)) continue;
      for (const flow of ['implicit', 'password'] as const) {
        const value = scheme.flows[flow];
        if (!isObject(value)) continue;
        hits.push({
          ...ctx.placeOf(value, joinPointer('/components/securitySchemes', name, 'flows', flow)),
          message: `'${name}' offers the deprecated OAuth 2 ${flow} flow`,
        });
      }
    }
    return hits;
  },
};

/** A bearer scheme that does not say its tokens are JWTs (or anything else) leaves validation undefined. */
export const bearerWithoutFormat: Rule = {
  id: 'auth.bearer-no-format',
  title: 'Bearer scheme without bearerFormat',
  category: 'API2',
  severity: 'low',
  description:
    'Without `bearerFormat`, the document does not say how tokens are validated (JWT signature and claims, or introspection).',
  fix: "Set `bearerFormat: JWT` (and configure the gateway's JWT policy) or document the opaque token format.",
  check: (ctx) =>
    schemeHits(ctx, (s) =>
      httpScheme(s) === 'bearer' && typeof s.bearerFormat !== 'string'
        ? 'bearer scheme has no bearerFormat'
        : undefined,
    ),
};
