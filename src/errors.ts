/**
 * The closed set of refusal codes a client can receive. A `switch` over `RefusalCode` narrows, and
 * nothing anywhere tells errors apart by message text. Later policies extend this union.
 */
export type RefusalCode =
  | 'request.malformed'
  | 'request.path.invalid'
  | 'request.path.encoding'
  | 'request.path.traversal'
  | 'request.headers.too_large'
  | 'request.headers.too_many'
  | 'request.smuggling'
  | 'request.body.too_large'
  | 'request.timeout'
  | 'route.undeclared'
  | 'route.method_not_allowed'
  | 'cors.denied'
  | 'auth.missing'
  | 'auth.key.invalid'
  | 'auth.key.revoked'
  | 'auth.key.expired'
  | 'auth.jwt.invalid'
  | 'auth.jwt.expired'
  | 'auth.jwt.alg'
  | 'auth.jwt.claims'
  | 'auth.jwt.revoked'
  | 'auth.jwt.unissued'
  | 'auth.token.inactive'
  | 'auth.mtls.invalid'
  | 'auth.unavailable'
  | 'authz.scope'
  | 'authz.function'
  | 'authz.bola'
  | 'auth.locked'
  | 'client.blocked'
  | 'ratelimit.exceeded'
  | 'ratelimit.quota'
  | 'ratelimit.concurrency'
  | 'ratelimit.unavailable'
  | 'request.query.too_many'
  | 'request.query.page_size'
  | 'input.content_type'
  | 'input.json'
  | 'input.prototype'
  | 'input.limits'
  | 'input.schema'
  | 'input.multipart'
  | 'input.upload'
  | 'inject.sqli'
  | 'inject.nosqli'
  | 'inject.cmdi'
  | 'inject.traversal'
  | 'inject.ssrf'
  | 'inject.xss'
  | 'inject.xxe'
  | 'inject.ldapi'
  | 'inject.ssti'
  | 'graphql.parse'
  | 'graphql.invalid'
  | 'graphql.variables'
  | 'graphql.depth'
  | 'graphql.cost'
  | 'graphql.aliases'
  | 'graphql.directives'
  | 'graphql.tokens'
  | 'graphql.batch'
  | 'graphql.length'
  | 'graphql.introspection'
  | 'graphql.persisted'
  | 'graphql.field_auth'
  | 'tls.required'
  | 'response.schema'
  | 'response.too_large'
  | 'response.sensitive'
  | 'response.encoding'
  | 'upstream.unavailable'
  | 'upstream.timeout'
  | 'upstream.error'
  | 'gateway.draining'
  | 'internal.error';

interface RefusalInfo {
  readonly status: number;
  readonly title: string;
}

/** Status and title for every code, so a refusal's outward form never depends on the caller. */
export const REFUSALS: Readonly<Record<RefusalCode, RefusalInfo>> = Object.freeze({
  'request.malformed': { status: 400, title: 'Malformed request' },
  'request.path.invalid': { status: 400, title: 'Invalid request path' },
  'request.path.encoding': { status: 400, title: 'Ambiguous path encoding' },
  'request.path.traversal': { status: 400, title: 'Path escapes the root' },
  'request.headers.too_large': { status: 431, title: 'Request header fields too large' },
  'request.headers.too_many': { status: 431, title: 'Too many request header fields' },
  'request.smuggling': { status: 400, title: 'Ambiguous message framing' },
  'request.body.too_large': { status: 413, title: 'Request body too large' },
  'request.timeout': { status: 408, title: 'Request timeout' },
  'route.undeclared': { status: 404, title: 'Not found' },
  'route.method_not_allowed': { status: 405, title: 'Method not allowed' },
  'cors.denied': { status: 403, title: 'Cross-origin request not allowed' },
  'auth.missing': { status: 401, title: 'Authentication required' },
  'auth.key.invalid': { status: 401, title: 'Invalid API key' },
  'auth.key.revoked': { status: 401, title: 'API key revoked' },
  'auth.key.expired': { status: 401, title: 'API key expired' },
  'auth.jwt.invalid': { status: 401, title: 'Invalid token' },
  'auth.jwt.expired': { status: 401, title: 'Token expired' },
  'auth.jwt.alg': { status: 401, title: 'Token algorithm not allowed' },
  'auth.jwt.claims': { status: 401, title: 'Token claims not accepted' },
  'auth.jwt.revoked': { status: 401, title: 'Token revoked' },
  'auth.jwt.unissued': { status: 401, title: 'Token not issued through the gateway' },
  'auth.token.inactive': { status: 401, title: 'Token not active' },
  'auth.mtls.invalid': { status: 401, title: 'Client certificate not accepted' },
  'auth.unavailable': { status: 503, title: 'Authentication service unavailable' },
  'authz.scope': { status: 403, title: 'Insufficient privileges' },
  'authz.function': { status: 403, title: 'Operation requires another role' },
  'authz.bola': { status: 403, title: 'Object not accessible' },
  'auth.locked': { status: 429, title: 'Too many attempts; try again later' },
  'client.blocked': { status: 403, title: 'Client blocked' },
  'ratelimit.exceeded': { status: 429, title: 'Too many requests' },
  'ratelimit.quota': { status: 429, title: 'Quota exhausted' },
  'ratelimit.concurrency': { status: 503, title: 'Too many concurrent requests' },
  'ratelimit.unavailable': { status: 503, title: 'Service unavailable' },
  'request.query.too_many': { status: 400, title: 'Too many query parameters' },
  'request.query.page_size': { status: 400, title: 'Page size over the limit' },
  'input.content_type': { status: 415, title: 'Unsupported content type' },
  'input.json': { status: 400, title: 'Malformed JSON body' },
  'input.prototype': { status: 400, title: 'Forbidden or duplicate keys in the body' },
  'input.limits': { status: 400, title: 'Request body nested too deep or too large' },
  'input.schema': { status: 400, title: 'Request does not match the API schema' },
  'input.multipart': { status: 400, title: 'Malformed multipart body' },
  'input.upload': { status: 415, title: 'Uploaded file type not accepted' },
  'inject.sqli': { status: 403, title: 'SQL injection detected' },
  'inject.nosqli': { status: 403, title: 'NoSQL injection detected' },
  'inject.cmdi': { status: 403, title: 'Command injection detected' },
  'inject.traversal': { status: 403, title: 'Path traversal detected' },
  'inject.ssrf': { status: 403, title: 'Server-side request forgery detected' },
  'inject.xss': { status: 403, title: 'Cross-site scripting detected' },
  'inject.xxe': { status: 403, title: 'XML external entity detected' },
  'inject.ldapi': { status: 403, title: 'LDAP injection detected' },
  'inject.ssti': { status: 403, title: 'Template injection detected' },
  'graphql.parse': { status: 400, title: 'GraphQL document does not parse' },
  'graphql.invalid': { status: 400, title: 'GraphQL document does not match the schema' },
  'graphql.variables': { status: 400, title: 'GraphQL variables do not match their types' },
  'graphql.depth': { status: 400, title: 'GraphQL query nested too deep' },
  'graphql.cost': { status: 400, title: 'GraphQL query cost over the budget' },
  'graphql.aliases': { status: 400, title: 'Too many GraphQL aliases' },
  'graphql.directives': { status: 400, title: 'Too many GraphQL directives' },
  'graphql.tokens': { status: 400, title: 'Too many GraphQL tokens' },
  'graphql.batch': { status: 400, title: 'GraphQL batch too large' },
  'graphql.length': { status: 413, title: 'GraphQL query too long' },
  'graphql.introspection': { status: 403, title: 'GraphQL introspection not allowed' },
  'graphql.persisted': { status: 403, title: 'GraphQL document not in the allowlist' },
  'graphql.field_auth': { status: 403, title: 'GraphQL field not allowed' },
  'tls.required': { status: 403, title: 'HTTPS required' },
  'response.schema': { status: 502, title: 'Response does not match the API schema' },
  'response.too_large': { status: 502, title: 'Response too large to inspect' },
  'response.sensitive': { status: 502, title: 'Response withheld: it carries sensitive data' },
  'response.encoding': { status: 502, title: 'Response in an encoding the gateway cannot read' },
  'upstream.unavailable': { status: 502, title: 'Bad gateway' },
  'upstream.timeout': { status: 504, title: 'Gateway timeout' },
  'upstream.error': { status: 502, title: 'Bad gateway' },
  'gateway.draining': { status: 503, title: 'Service unavailable' },
  'internal.error': { status: 500, title: 'Internal server error' },
});

/** A decision to refuse a request: a stable code, plus a detail that is safe to show the client. */
export interface Refusal {
  readonly code: RefusalCode;
  /** Client-safe explanation; never internals, secrets or configured limits. */
  readonly detail?: string;
  /** Extra response headers (e.g. Allow on 405). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Each violation of an `input.*` refusal (RFC 9457 extension member `errors`). */
  readonly errors?: readonly ProblemError[];
  /** What matched, for the log and event only (e.g. an injection fragment); never sent to the client. */
  readonly evidence?: string;
}

/** One violation in a problem body: where (JSON pointer), what, and at most a short excerpt of the value. */
export interface ProblemError {
  readonly pointer: string;
  readonly message: string;
  readonly value?: string;
}

/** Build a refusal. */
export function refuse(
  code: RefusalCode,
  detail?: string,
  headers?: Readonly<Record<string, string>>,
): Refusal {
  const r: { code: RefusalCode; detail?: string; headers?: Readonly<Record<string, string>> } = { code };
  if (detail !== undefined) r.detail = detail;
  if (headers !== undefined) r.headers = headers;
  return r;
}

/** The RFC 9457 body of a refusal. */
export function problemBody(refusal: Refusal, requestId: string, instance?: string): string {
  const info = REFUSALS[refusal.code];
  return JSON.stringify({
    type: `https://rampart.dev/problems/${refusal.code}`,
    title: info.title,
    status: info.status,
    code: refusal.code,
    ...(refusal.detail === undefined ? {} : { detail: refusal.detail }),
    ...(refusal.errors === undefined ? {} : { errors: refusal.errors }),
    ...(instance === undefined ? {} : { instance }),
    requestId,
  });
}

/** A configuration or start-up error: names its source location and the key, never a secret value. */
export class ConfigError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly key: string | undefined;
  readonly hint: string | undefined;

  constructor(
    message: string,
    where: {
      file?: string | undefined;
      line?: number | undefined;
      column?: number | undefined;
      key?: string | undefined;
      hint?: string | undefined;
    } = {},
  ) {
    const loc =
      where.file === undefined
        ? ''
        : `${where.file}${where.line === undefined ? '' : `:${where.line}:${where.column ?? 1}`}: `;
    const key = where.key === undefined ? '' : `${where.key}: `;
    const hint = where.hint === undefined ? '' : ` (hint: ${where.hint})`;
    super(`${loc}${key}${message}${hint}`);
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.key = where.key;
    this.hint = where.hint;
  }
}
