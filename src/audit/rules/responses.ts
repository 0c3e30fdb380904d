import type { Operation } from '../../openapi/operations.ts';
import { hasResponse, isObject, isPublic, operationLabel, operationRef } from '../context.ts';
import type { AuditContext, Rule, RuleHit } from '../types.ts';

/** One hit per operation that fails `missing`, placed on its `responses`. */
function perOperation(ctx: AuditContext, missing: (op: Operation) => string | undefined): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const op of ctx.operations) {
    const message = missing(op);
    if (!message) continue;
    const pointer = isObject(op.raw.responses) ? `${op.pointer}/responses` : op.pointer;
    hits.push({ ...ctx.placeAt(pointer), message, operation: operationRef(op) });
  }
  return hits;
}

/** Whether an operation's authorization can refuse a caller who is authenticated. */
export function hasAuthorization(op: Operation): boolean {
  return (op.security ?? []).some((req) => Object.values(req).some((scopes) => scopes.length > 0));
}

export const missing401: Rule = {
  id: 'responses.401-missing',
  title: 'Secured operation without a 401 response',
  category: 'API2',
  severity: 'low',
  description:
    'A secured operation that does not document 401 leaves clients guessing how authentication failures look, and hides that the operation is protected.',
  fix: 'Document a 401 response (a shared components/responses/Unauthorized works well).',
  check: (ctx) =>
    perOperation(ctx, (op) =>
      !isPublic(op) && !hasResponse(op, '401') ? `${operationLabel(op)} does not document 401` : undefined,
    ),
};

export const missing403: Rule = {
  id: 'responses.403-missing',
  title: 'Operation with scopes or roles but no 403 response',
  category: 'API5',
  severity: 'low',
  description:
    'An operation whose security names scopes or roles can refuse an authenticated caller; the refusal should be part of the contract.',
  fix: 'Document a 403 response.',
  check: (ctx) =>
    perOperation(ctx, (op) =>
      hasAuthorization(op) && !hasResponse(op, '403')
        ? `${operationLabel(op)} does not document 403`
        : undefined,
    ),
};

export const missing429: Rule = {
  id: 'responses.429-missing',
  title: 'Operation without a 429 response',
  category: 'API4',
  severity: 'low',
  description:
    'An operation that does not document 429 suggests it is not rate limited, and clients are not told to back off.',
  fix: 'Document a 429 response with a Retry-After header, and rate limit the operation.',
  check: (ctx) =>
    perOperation(ctx, (op) =>
      !hasResponse(op, '429') ? `${operationLabel(op)} does not document 429` : undefined,
    ),
};

export const missing4xx: Rule = {
  id: 'responses.4xx-missing',
  title: 'Operation without any error response',
  category: 'API8',
  severity: 'low',
  description:
    'An operation with no 4xx (or default) response does not say how bad input is refused, so clients and tests cannot rely on it.',
  fix: 'Document the error responses (400, 404, 422 …) with a problem+json schema, or a default response.',
  check: (ctx) =>
    perOperation(ctx, (op) => {
      const any4xx = Object.keys(op.responses).some((s) => s[0] === '4' || s === 'default');
      return any4xx ? undefined : `${operationLabel(op)} documents no 4xx or default response`;
    }),
};

// Header names (lower case) that advertise rate limits: IETF RateLimit fields and common vendor forms.
const RATE_LIMIT_HEADERS = new Set([
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-rate-limit-limit',
  'x-rate-limit-remaining',
  'x-rate-limit-reset',
  'retry-after',
]);

function documentsRateLimitHeaders(op: Operation): boolean {
  for (const response of Object.values(op.responses)) {
    if (!isObject(response) || !isObject(response.headers)) continue;
    for (const name of Object.keys(response.headers))
      if (RATE_LIMIT_HEADERS.has(name.toLowerCase())) return true;
  }
  return false;
}

export const rateLimitHeadersMissing: Rule = {
  id: 'ratelimit.headers-missing',
  title: 'No rate-limit headers documented',
  category: 'API4',
  severity: 'low',
  description:
    'No response documents RateLimit / X-RateLimit-* / Retry-After headers, so clients cannot pace themselves and the limits are not part of the contract.',
  fix: 'Document RateLimit (or X-RateLimit-*) headers on success responses and Retry-After on 429.',
  check: (ctx) =>
    perOperation(ctx, (op) =>
      documentsRateLimitHeaders(op) ? undefined : `${operationLabel(op)} documents no rate-limit headers`,
    ),
};
