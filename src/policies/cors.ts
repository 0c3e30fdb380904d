import type { CompiledCors } from '../gateway/plan.ts';

/** Whether an Origin header value is on the API's allowlist (never reflecting an arbitrary origin). */
export function originAllowed(cors: CompiledCors, origin: string): boolean {
  if (origin.length > 2048) return false;
  const o = origin.toLowerCase();
  if (cors.exact.has(o)) return true;
  for (const w of cors.wildcards) {
    if (o.startsWith(w.scheme) && o.endsWith(w.suffix)) {
      const label = o.slice(w.scheme.length, o.length - w.suffix.length);
      // exactly one or more DNS labels in front of the suffix, no port or path smuggled in
      if (label.length > 0 && /^[a-z0-9.-]+$/.test(label) && !label.startsWith('.') && !label.endsWith('.'))
        return true;
    }
  }
  return cors.any && !cors.credentials;
}

/** Headers for an actual (non-preflight) cross-origin response; empty when the origin is not allowed. */
export function corsResponseHeaders(cors: CompiledCors, origin: string | undefined): [string, string][] {
  if (origin === undefined) return [['vary', 'Origin']];
  if (!originAllowed(cors, origin)) return [['vary', 'Origin']];
  const out: [string, string][] = [
    [
      'access-control-allow-origin',
      cors.any && !cors.credentials && !cors.exact.has(origin.toLowerCase()) ? '*' : origin,
    ],
    ['vary', 'Origin'],
  ];
  if (cors.credentials) out.push(['access-control-allow-credentials', 'true']);
  if (cors.exposeHeaders !== '') out.push(['access-control-expose-headers', cors.exposeHeaders]);
  return out;
}

/** Headers answering a preflight for an allowed origin and a declared method. */
export function corsPreflightHeaders(
  cors: CompiledCors,
  origin: string,
  allowMethods: readonly string[],
): [string, string][] {
  const out = corsResponseHeaders(cors, origin).filter(([k]) => k !== 'access-control-expose-headers');
  out.push(['access-control-allow-methods', allowMethods.join(', ')]);
  out.push(['access-control-allow-headers', cors.allowHeaders]);
  out.push(['access-control-max-age', cors.maxAge]);
  return out;
}
