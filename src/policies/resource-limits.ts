import { refuse } from '../errors.ts';
import { CONTINUE, type PhaseEntry, type RequestContext, type Verdict } from '../gateway/pipeline.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';

const MAX_NUMBER_DIGITS = 15;

function decode(s: string): string | undefined {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

const TOO_MANY: Verdict = {
  kind: 'refuse',
  refusal: refuse('request.query.too_many', 'too many query parameters'),
};
// the cap itself is not told: the OpenAPI document is where clients read it
const PAGE_SIZE: Verdict = {
  kind: 'refuse',
  refusal: refuse(
    'request.query.page_size',
    'a pagination parameter is over its limit or not a whole number',
  ),
};

/**
 * Check a query string against a parameter count and per-parameter caps in one pass. Every
 * occurrence of a capped parameter counts (`limit=1&limit=100000` is refused).
 */
export function checkQuery(query: string, maxParams: number, caps: ReadonlyMap<string, number>): Verdict {
  if (query === '') return CONTINUE;
  let count = 0;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      if (++count > maxParams) return TOO_MANY;
      if (caps.size > 0) {
        const eq = query.indexOf('=', start);
        const nameEnd = eq < 0 || eq > end ? end : eq;
        const name = decode(query.slice(start, nameEnd));
        const cap = name === undefined ? undefined : caps.get(name);
        if (cap !== undefined) {
          const value = nameEnd === end ? '' : decode(query.slice(nameEnd + 1, end));
          if (value === undefined || value.length === 0 || value.length > MAX_NUMBER_DIGITS) return PAGE_SIZE;
          for (let i = 0; i < value.length; i++) {
            const c = value.charCodeAt(i);
            if (c < 48 || c > 57) return PAGE_SIZE;
          }
          if (Number(value) > cap) return PAGE_SIZE;
        }
      }
    }
    start = end + 1;
  }
  return CONTINUE;
}

/**
 * The `resource-limits` policy: how many query parameters a request may carry and caps on
 * pagination parameters (e.g. `limit` ≤ 100), refused with 400 before the upstream is called.
 */
export const resourceLimitsPolicy: PolicyFactory = {
  name: 'resource-limits',
  phase: 'validate',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    const limits = ctx.config.limits;
    const maxParams = ctx.policy.maxQueryParams ?? limits.maxQueryParams ?? 100;
    const caps = new Map<string, number>(
      Object.entries({ ...(limits.pagination ?? {}), ...(ctx.policy.pagination ?? {}) }),
    );
    return {
      name: 'resource-limits',
      mode: ctx.mode,
      run: function resourceLimits(rc: RequestContext): Verdict {
        return checkQuery(rc.query, maxParams, caps);
      },
    };
  },
};
