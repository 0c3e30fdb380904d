import { type Static, Type } from '@sinclair/typebox';
import { AuthConfig, AuthRouteKeys } from '../auth/schema.ts';

/** Every policy runs in one of these modes; `monitor` records what it would have refused. */
export const Mode = Type.Union([Type.Literal('enforce'), Type.Literal('monitor')], {
  description: 'enforce refuses; monitor only records the decision',
});

const Duration = (def: number, description: string) =>
  Type.Integer({
    minimum: 1,
    maximum: 3_600_000,
    default: def,
    description: `${description} (milliseconds)`,
  });

const Tls = Type.Object(
  {
    cert: Type.String({ minLength: 1, description: 'PEM certificate (and chain) file' }),
    key: Type.String({ minLength: 1, description: 'PEM private key file' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA bundle for client certificates' })),
    passphrase: Type.Optional(Type.String({ description: 'key passphrase; use ${ENV} or ${file:…}' })),
    minVersion: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')], { default: 'TLSv1.2' }),
    reloadIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 86_400_000,
      default: 60_000,
      description: 'how often certificate files are checked for changes; 0 turns it off',
    }),
  },
  { additionalProperties: false },
);

const Listener = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    host: Type.String({ default: '0.0.0.0', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    tls: Type.Optional(Tls),
    redirectToHttps: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: 'plain HTTP listener that only redirects to this HTTPS port',
      }),
    ),
  },
  { additionalProperties: false },
);

const Admin = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 9901 }),
    tokens: Type.Optional(
      Type.Array(Type.String({ minLength: 16, maxLength: 512 }), {
        maxItems: 16,
        description: 'bearer tokens of the admin API (/api/*); use ${ENV}; none: the API answers 404',
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'admin listener: /healthz, /readyz, /metrics' },
);

const Upstream = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'origin of the upstream, http:// or https://' }),
    connections: Type.Integer({ minimum: 1, maximum: 10_000, default: 128 }),
    connectTimeoutMs: Duration(5_000, 'TCP/TLS connect timeout'),
    headersTimeoutMs: Duration(30_000, 'time to receive the response headers'),
    bodyTimeoutMs: Duration(30_000, 'longest pause between two response body chunks'),
    ca: Type.Optional(Type.String({ description: 'PEM CA bundle to verify an https upstream' })),
    rejectUnauthorized: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

const FailureMode = Type.Union([Type.Literal('fail-open'), Type.Literal('fail-closed')], {
  description:
    'when the shared state (Redis) is unreachable: fail-open = local limits only, fail-closed = 503',
});

const LimitKey = Type.Union(
  ['consumer', 'apikey', 'ip', 'route', 'upstream'].map((k) => Type.Literal(k)),
  { description: 'what a limit counts per; consumer and apikey fall back to the client IP when anonymous' },
);
const LimitBy = Type.Array(LimitKey, { minItems: 1, maxItems: 5, uniqueItems: true });
const LimitName = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,32}$',
  description: 'name in the RateLimit headers',
});

const RateLimitRule = Type.Object(
  {
    name: Type.Optional(LimitName),
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'requests per window' }),
    windowSeconds: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
    burst: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000_000,
        description: 'requests allowed at once (default: limit)',
      }),
    ),
    by: Type.Optional(LimitBy),
    cost: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'units one request uses' }),
    ),
    failureMode: Type.Optional(FailureMode),
  },
  { additionalProperties: false },
);

const QuotaRule = Type.Object(
  {
    name: Type.Optional(LimitName),
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    period: Type.Union([Type.Literal('day'), Type.Literal('month')], {
      description: 'UTC calendar day or month',
    }),
    by: Type.Optional(LimitBy),
    failureMode: Type.Optional(FailureMode),
  },
  { additionalProperties: false },
);

const ConcurrencyRule = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100_000, description: 'requests in flight at once' }),
    by: Type.Optional(LimitBy),
    leaseSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3_600,
        description: 'a slot a crashed gateway never gave back frees itself after this',
      }),
    ),
    failureMode: Type.Optional(FailureMode),
  },
  { additionalProperties: false },
);

const IpList = Type.Array(Type.String({ minLength: 1, maxLength: 64, description: 'IP or CIDR' }), {
  maxItems: 10_000,
});

const Pagination = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.\\[\\]-]{1,64}$' }),
  Type.Integer({ minimum: 0 }),
  {
    description: 'query parameters capped per request, e.g. { limit: 100, per_page: 100 }',
    maxProperties: 32,
  },
);

const UnknownProperties = Type.Union([Type.Literal('refuse'), Type.Literal('strip')], {
  description:
    'body properties the request schema does not declare: refuse (400 input.schema) or strip (JSON bodies)',
});
const UnknownQuery = Type.Union([Type.Literal('refuse'), Type.Literal('allow')], {
  description: 'query parameters the operation does not declare: refuse (400 input.schema) or allow',
});
const InjectionKindName = Type.Union(
  ['sqli', 'nosqli', 'cmdi', 'traversal', 'ssrf', 'xss', 'xxe', 'ldapi', 'ssti'].map((k) => Type.Literal(k)),
);
const InspectExclusion = Type.Union([
  Type.String({
    minLength: 3,
    maxLength: 256,
    description:
      'parameter not inspected: path:NAME, query:NAME, header:NAME, cookie:NAME or body:/json/pointer (a trailing * matches a prefix)',
  }),
  Type.Object(
    {
      parameter: Type.String({ minLength: 3, maxLength: 256 }),
      kinds: Type.Optional(Type.Array(InjectionKindName, { minItems: 1, maxItems: 9, uniqueItems: true })),
    },
    { additionalProperties: false },
  ),
]);

const SensitiveTypeName = Type.Union(
  [
    'card',
    'iban',
    'ssn',
    'national_id',
    'email',
    'phone',
    'ip',
    'jwt',
    'api_key',
    'private_key',
    'password_hash',
    'secret_field',
  ].map((t) => Type.Literal(t)),
);
const MaskStrategyName = Type.Union(
  [Type.Literal('redact'), Type.Literal('partial'), Type.Literal('pseudonym')],
  {
    description:
      'redact: [REDACTED:type]; partial: last 4 kept (e-mail: first letter and domain); pseudonym: keyed HMAC, stable per value (needs masking.pseudonymKey)',
  },
);
const ExceptRoles = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  maxItems: 8,
  description: "consumer roles that see the value unmasked (ctx identity's roles), e.g. [admin]",
});
const MaskFieldRule = Type.Object(
  {
    field: Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        "a property name matched at any depth ('card_number' also matches cardNumber), or a JSON pointer pattern with * and ** ('/items/*/ssn')",
    }),
    strategy: MaskStrategyName,
    type: Type.Optional(SensitiveTypeName),
    exceptRoles: Type.Optional(ExceptRoles),
  },
  { additionalProperties: false },
);
const MaskTypeRule = Type.Union([
  MaskStrategyName,
  Type.Object(
    { strategy: MaskStrategyName, exceptRoles: Type.Optional(ExceptRoles) },
    { additionalProperties: false },
  ),
]);
const MaskTypes = Type.Partial(Type.Record(SensitiveTypeName, MaskTypeRule), {
  additionalProperties: false,
  description:
    'strategy per detected data type, e.g. { card: partial, email: { strategy: redact, exceptRoles: [admin] } }',
});
const ResponseOverflow = Type.Union([Type.Literal('pass'), Type.Literal('refuse')], {
  description:
    'a body over maxBytes (compressed bodies count decoded), or in a Content-Encoding the gateway cannot decode (it decodes gzip, deflate, br): pass (sent as the upstream sent it, logged) or refuse (502 response.too_large, response.encoding)',
});
const ResponseUnknown = Type.Union([Type.Literal('strip'), Type.Literal('refuse')], {
  description:
    'response properties the schema does not declare: strip them, or refuse the response (502 response.schema)',
});

/** Per-route response filtering (`response:` of a route). */
const ResponseRoute = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Mode),
    unknownProperties: Type.Optional(ResponseUnknown),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 268_435_456 })),
    overflow: Type.Optional(ResponseOverflow),
    scanText: Type.Optional(
      Type.Boolean({ description: 'scan non-JSON bodies of this route for sensitive data' }),
    ),
    mask: Type.Optional(
      Type.Object(
        {
          fields: Type.Optional(Type.Array(MaskFieldRule, { maxItems: 256 })),
          types: Type.Optional(MaskTypes),
        },
        {
          additionalProperties: false,
          description: 'added to response.masking (a type set here replaces its global rule)',
        },
      ),
    ),
  },
  { additionalProperties: false, description: 'response filtering of this route (see `response`)' },
);

/** Settings that can be set per route (in `apis[].routes` or the OpenAPI `x-rampart` extension). */
const GraphqlRequirement = Type.Object(
  {
    roles: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { maxItems: 64, description: 'any one of' }),
    ),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 64, description: 'all of' })),
  },
  { additionalProperties: false },
);

/** A GraphQL endpoint's protection (see src/policies/graphql.ts). */
const GraphqlRoute = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Mode),
    schema: Type.String({
      minLength: 1,
      description:
        'SDL file, relative to the OpenAPI document; or `introspect`: one introspection of the upstream at start',
    }),
    maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    maxCost: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    maxAliases: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    maxDirectives: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 10, maximum: 1_000_000 })),
    maxBatch: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000 })),
    maxLength: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'query characters' }),
    ),
    defaultListSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    maxListSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    costs: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 0, maximum: 1_000_000 }), {
        description: '`Type` or `Type.field` → cost',
      }),
    ),
    introspectionRoles: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { maxItems: 64, description: 'roles allowed to introspect' }),
    ),
    fieldAuth: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), GraphqlRequirement, {
        description: '`Type` or `Type.field` → roles/scopes required',
      }),
    ),
    persisted: Type.Optional(
      Type.Object(
        {
          file: Type.String({
            minLength: 1,
            description: 'JSON { sha256: document }, relative to the OpenAPI document',
          }),
          required: Type.Optional(Type.Boolean({ description: 'only allowlisted documents run' })),
        },
        { additionalProperties: false },
      ),
    ),
    inspectVariables: Type.Optional(
      Type.Boolean({ description: 'string variables through the injection detectors' }),
    ),
    costLimit: Type.Optional(
      Type.Object(
        {
          limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'cost units per window' }),
          windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
          by: Type.Optional(Type.Union([Type.Literal('consumer'), Type.Literal('ip')])),
        },
        {
          additionalProperties: false,
          description: 'rate limit counting query cost, not requests (a query of cost 50 uses 50 units)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const RoutePolicy = Type.Object(
  {
    mode: Type.Optional(Mode),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_073_741_824 })),
    timeoutMs: Type.Optional(Duration(30_000, 'upstream headers timeout for this route')),
    login: Type.Optional(
      Type.Object({ usernameField: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ),
    ...AuthRouteKeys,
    rateLimit: Type.Optional(Type.Union([RateLimitRule, Type.Array(RateLimitRule, { maxItems: 8 })])),
    quota: Type.Optional(Type.Union([QuotaRule, Type.Array(QuotaRule, { maxItems: 4 })])),
    concurrency: Type.Optional(ConcurrencyRule),
    clientGate: Type.Optional(
      Type.Object(
        { allow: Type.Optional(IpList), deny: Type.Optional(IpList) },
        { additionalProperties: false },
      ),
    ),
    maxQueryParams: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000 })),
    pagination: Type.Optional(Pagination),
    validate: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          mode: Type.Optional(Mode),
          unknownProperties: Type.Optional(UnknownProperties),
          unknownQueryParameters: Type.Optional(UnknownQuery),
        },
        { additionalProperties: false, description: 'request validation of this route (see `validation`)' },
      ),
    ),
    inspect: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          mode: Type.Optional(Mode),
          kinds: Type.Optional(Type.Array(InjectionKindName, { maxItems: 9, uniqueItems: true })),
          exclude: Type.Optional(Type.Array(InspectExclusion, { maxItems: 256 })),
        },
        { additionalProperties: false, description: 'injection inspection of this route (see `inspection`)' },
      ),
    ),
    response: Type.Optional(ResponseRoute),
    graphql: Type.Optional(GraphqlRoute),
  },
  { additionalProperties: false },
);

const Validation = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'validate parameters and bodies against the OpenAPI document on every route',
    }),
    mode: Type.Optional(Mode),
    unknownProperties: Type.Union([Type.Literal('refuse'), Type.Literal('strip')], { default: 'refuse' }),
    unknownQueryParameters: Type.Union([Type.Literal('refuse'), Type.Literal('allow')], {
      default: 'refuse',
    }),
    maxJsonDepth: Type.Integer({ minimum: 1, maximum: 512, default: 32 }),
    maxJsonElements: Type.Integer({
      minimum: 1,
      maximum: 10_000_000,
      default: 10_000,
      description: 'values (objects, arrays, strings, numbers, …) in one JSON body',
    }),
    maxParts: Type.Integer({ minimum: 1, maximum: 10_000, default: 32, description: 'multipart parts' }),
    maxPartBytes: Type.Integer({ minimum: 1, maximum: 1_073_741_824, default: 5_242_880 }),
    checkMagicBytes: Type.Boolean({
      default: true,
      description: 'uploads must start with the signature of the content type they declare',
    }),
  },
  { additionalProperties: false, default: {}, description: 'request validation from the OpenAPI document' },
);

const Inspection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'run the injection detectors on every route' }),
    mode: Type.Optional(Mode),
    kinds: Type.Array(InjectionKindName, {
      default: ['sqli', 'nosqli', 'cmdi', 'traversal', 'ssrf', 'xss', 'xxe', 'ldapi', 'ssti'],
      maxItems: 9,
      uniqueItems: true,
    }),
    headers: Type.Array(Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$" }), {
      default: ['referer', 'user-agent'],
      maxItems: 64,
      description:
        'request headers inspected (query, path, cookies and bodies always are); SSRF is not checked in headers',
    }),
    cookies: Type.Boolean({ default: true }),
    internalHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
      maxItems: 1000,
      description: 'host names SSRF treats as internal: exact, or a suffix written .corp.example',
    }),
    exclude: Type.Array(InspectExclusion, { default: [], maxItems: 256 }),
  },
  { additionalProperties: false, default: {}, description: 'injection detection on request values' },
);

const ResponseSettings = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'filter responses on every route: schema allowlist, sensitive-data masking, error sanitizing, Set-Cookie flags',
    }),
    mode: Type.Optional(Mode),
    unknownProperties: Type.Union([Type.Literal('strip'), Type.Literal('refuse')], {
      default: 'strip',
      description: 'response properties the schema does not declare: strip, or refuse (502 response.schema)',
    }),
    maxBytes: Type.Integer({
      minimum: 1024,
      maximum: 268_435_456,
      default: 2_097_152,
      description: 'largest body held and inspected; beyond it `overflow` applies',
    }),
    overflow: Type.Union([Type.Literal('pass'), Type.Literal('refuse')], { default: 'refuse' }),
    maxDepth: Type.Integer({ minimum: 1, maximum: 512, default: 64, description: 'JSON nesting filtered' }),
    errors: Type.Object(
      {
        replace5xx: Type.Boolean({
          default: true,
          description:
            'upstream 5xx bodies become a generic problem+json with the request id (the original is logged, redacted)',
        }),
        scrub: Type.Boolean({
          default: true,
          description:
            'any error body with a stack trace, SQL error, server path or framework banner is replaced too',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    cookies: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'rewrite the attributes of upstream Set-Cookie headers',
        }),
        secure: Type.Boolean({ default: true }),
        httpOnly: Type.Boolean({ default: true }),
        sameSite: Type.Union(
          [Type.Literal('Lax'), Type.Literal('Strict'), Type.Literal('None'), Type.Literal('keep')],
          { default: 'Lax', description: 'keep: leave the upstream SameSite as it is' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    masking: Type.Object(
      {
        fields: Type.Array(MaskFieldRule, { default: [], maxItems: 256 }),
        types: Type.Optional(MaskTypes),
        fieldNames: Type.Boolean({
          default: true,
          description:
            "infer a type from property names ('password' → secret_field) for the types configured",
        }),
        scanText: Type.Boolean({
          default: false,
          description: 'mask sensitive substrings inside longer JSON strings, not only whole values',
        }),
        pseudonymKey: Type.Optional(
          Type.String({ minLength: 16, maxLength: 1024, description: 'HMAC key of pseudonyms; use ${ENV}' }),
        ),
      },
      { additionalProperties: false, default: {}, description: 'sensitive-data masking of JSON responses' },
    ),
    scanText: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'scan non-JSON bodies for sensitive data' }),
        mediaTypes: Type.Array(Type.String({ minLength: 3, maxLength: 128 }), {
          default: ['text/*', 'application/xml', 'application/x-www-form-urlencoded'],
          maxItems: 64,
        }),
        action: Type.Union([Type.Literal('mask'), Type.Literal('refuse')], {
          default: 'mask',
          description: 'mask what is found (masking.types, else redact), or refuse (502 response.sensitive)',
        }),
        types: Type.Array(SensitiveTypeName, {
          default: ['card', 'iban', 'ssn', 'jwt', 'api_key', 'private_key', 'password_hash'],
          maxItems: 12,
          uniqueItems: true,
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'response protection (excessive data exposure, masking, errors)',
  },
);

const Cors = Type.Object(
  {
    origins: Type.Array(
      Type.String({ minLength: 1, description: 'exact origin, or https://*.example.com for subdomains' }),
      { minItems: 1, maxItems: 1000 },
    ),
    credentials: Type.Boolean({ default: false }),
    allowHeaders: Type.Array(Type.String({ minLength: 1 }), {
      default: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
      maxItems: 100,
    }),
    exposeHeaders: Type.Array(Type.String({ minLength: 1 }), { default: ['x-request-id'], maxItems: 100 }),
    maxAgeSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 600 }),
  },
  { additionalProperties: false },
);

const Passthrough = Type.Object(
  {
    methods: Type.Array(Type.String({ pattern: '^[A-Z]+$' }), { default: ['GET'], minItems: 1 }),
    path: Type.String({ pattern: '^/', description: 'exact path, or a prefix ending in /*' }),
  },
  { additionalProperties: false },
);

const Api = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    openapi: Type.String({
      minLength: 1,
      description: 'OpenAPI 3.0/3.1 document, relative to this config file',
    }),
    upstream: Type.String({ minLength: 1, description: 'name of an entry in upstreams' }),
    basePath: Type.Optional(
      Type.String({
        pattern: '^/',
        description: 'path prefix; overrides the path of the servers in the document',
      }),
    ),
    passthrough: Type.Array(Passthrough, { default: [], maxItems: 1000 }),
    cors: Type.Optional(Cors),
    routes: Type.Record(Type.String({ minLength: 1 }), RoutePolicy, {
      default: {},
      description: 'per-operation settings by operationId or "METHOD /path"',
    }),
  },
  { additionalProperties: false },
);

const Limits = Type.Object(
  {
    maxHeaderBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 16_384 }),
    maxHeaders: Type.Integer({ minimum: 8, maximum: 1000, default: 100 }),
    maxUrlLength: Type.Integer({ minimum: 64, maximum: 65_536, default: 8_192 }),
    maxBodyBytes: Type.Integer({ minimum: 0, maximum: 1_073_741_824, default: 10_485_760 }),
    headersTimeoutMs: Duration(10_000, 'time a client has to send the request headers'),
    requestTimeoutMs: Duration(60_000, 'time a client has to send the whole request'),
    keepAliveTimeoutMs: Duration(5_000, 'idle keep-alive connection timeout'),
    maxQueryParams: Type.Integer({ minimum: 0, maximum: 1_000, default: 100 }),
    pagination: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9_.\\[\\]-]{1,64}$' }),
      Type.Integer({ minimum: 0 }),
      {
        default: {},
        maxProperties: 32,
        description: 'default caps on pagination query parameters, e.g. { limit: 100 }',
      },
    ),
  },
  { additionalProperties: false, default: {} },
);

const State = Type.Object(
  {
    url: Type.String({
      default: 'memory',
      pattern: '^(memory|rediss?(\\+cluster|\\+sentinel)?://.+)$',
      description:
        "memory (one process), or Redis shared by every gateway: redis://[user:pass@]host:port[/db] (rediss:// for TLS); Redis Cluster: redis+cluster://[user:pass@]h1:p1,h2:p2 (seed nodes); Sentinel: redis+sentinel://[user:pass@]h1:p1,h2:p2/mymaster[/db] (sentinel hosts, then the master name; credentials are the master's). rediss+cluster:// and rediss+sentinel:// use TLS. Ports default to 6379, 26379 for sentinels; a malformed URL stops the start",
    }),
    prefix: Type.String({ default: 'rampart:', pattern: '^[A-Za-z0-9:_.-]{0,64}$' }),
    failureMode: Type.Union([Type.Literal('fail-open'), Type.Literal('fail-closed')], {
      default: 'fail-open',
    }),
    timeoutMs: Type.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'per Redis command' }),
    localBudget: Type.Optional(
      Type.Object(
        {
          slice: Type.Integer({ minimum: 2, maximum: 1_000, description: 'tokens reserved per round trip' }),
          leaseMs: Type.Integer({
            minimum: 1,
            maximum: 60_000,
            default: 1_000,
            description: 'how long a reserved slice may be spent locally',
          }),
        },
        {
          additionalProperties: false,
          description:
            'optional local pre-check for Redis rate limits: each process reserves `slice` tokens in one round trip and spends them locally. Reserved tokens count in Redis up front, so a burst never passes the limit (at most limit, within the bound limit + N×slice for N processes); the error allowed is under-counting time, not over-allowing a burst: with N processes a request may be refused while up to N×(slice−1) tokens sit unspent elsewhere, and over d ms at most burst + (d + leaseMs)·rate pass',
        },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'shared state: counters, blocklist, revocations' },
);

const RateLimits = Type.Object(
  {
    default: Type.Array(RateLimitRule, {
      default: [],
      maxItems: 8,
      description: 'rules for every route that sets no rateLimit of its own',
    }),
  },
  { additionalProperties: false, default: {} },
);

const ClientGate = Type.Object(
  {
    allow: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 10_000,
      description: 'IPs or CIDRs; when not empty, every other client is refused',
    }),
    deny: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 10_000 }),
    block: Type.Array(
      Type.Object(
        {
          ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          consumer: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          until: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601 date-time' }),
        },
        { additionalProperties: false },
      ),
      {
        default: [],
        maxItems: 10_000,
        description: 'blocks until a time (the admin API and detectors add more)',
      },
    ),
  },
  { additionalProperties: false, default: {} },
);

const BruteForce = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    maxFailures: Type.Integer({ minimum: 1, maximum: 1_000, default: 5, description: 'per username' }),
    maxFailuresPerIp: Type.Integer({ minimum: 1, maximum: 100_000, default: 50 }),
    windowSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      default: 900,
      description:
        'failures are forgotten this long after the last attempt; a locked username waits this long',
    }),
    lockoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      default: 900,
      description: 'how long an IP past maxFailuresPerIp is locked out of every authenticated route',
    }),
    delayAfter: Type.Integer({
      minimum: 0,
      maximum: 1_000,
      default: 2,
      description: 'failures before delays start',
    }),
    baseDelayMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 250 }),
    maxDelayMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 2_000 }),
    authFailures: Type.Boolean({
      default: true,
      description: 'count failed authentications (401) on every route per IP, and lock the IP out',
    }),
    exemptIps: Type.Array(Type.String({ minLength: 1, maxLength: 64, description: 'IP or CIDR' }), {
      default: [],
      maxItems: 1_000,
      description:
        'clients never counted or locked out per IP (an authorized scanner, a trusted NAT); per-username limits still apply',
    }),
  },
  { additionalProperties: false, default: {}, description: 'login brute force and credential stuffing' },
);

const Paths = Type.Object(
  {
    trailingSlash: Type.Union([Type.Literal('strict'), Type.Literal('ignore'), Type.Literal('redirect')], {
      default: 'ignore',
      description:
        'strict: /a/ differs from /a; ignore: /a/ is routed and forwarded as /a; redirect: 308 to /a',
    }),
    caseSensitive: Type.Boolean({ default: true }),
    allowSemicolons: Type.Boolean({
      default: false,
      description:
        'allow ";" in paths (matrix parameters); refused by default because servers disagree on it',
    }),
  },
  { additionalProperties: false, default: {} },
);

const Headers = Type.Object(
  {
    hstsMaxAgeSeconds: Type.Integer({ minimum: 0, maximum: 63_072_000, default: 31_536_000 }),
    hstsIncludeSubDomains: Type.Boolean({ default: true }),
    removeResponseHeaders: Type.Array(Type.String({ minLength: 1 }), {
      default: [
        'server',
        'x-powered-by',
        'x-aspnet-version',
        'x-aspnetmvc-version',
        'x-runtime',
        'x-debug-token',
      ],
    }),
  },
  { additionalProperties: false, default: {} },
);

const Events = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'record refusals and monitor hits as security events',
    }),
    store: Type.String({
      default: './rampart-events.db',
      minLength: 1,
      description: 'SQLite file (relative to the config) or postgres:// URL',
    }),
    keyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'file of data-at-rest keys (kid:base64 of 32 bytes, one a line, the first active) that encrypt event evidence and the inventory; or set RAMPART_STORE_KEYS',
      }),
    ),
    queueSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
    batchSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
    flushIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
    retentionDays: Type.Integer({ minimum: 0, maximum: 3650, default: 30, description: '0 keeps forever' }),
    maxEvents: Type.Integer({
      minimum: 0,
      maximum: 1_000_000_000,
      default: 1_000_000,
      description: '0: no limit',
    }),
    discovery: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'learn the API inventory from traffic' }),
        sampleRate: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 1,
          description: 'share of requests observed',
        }),
        saveIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
      },
      { additionalProperties: false, default: {}, description: 'inventory kept in the events store' },
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'security events: written in batches off the hot path',
  },
);

const Telemetry = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'export OpenTelemetry traces of the request pipeline over OTLP/HTTP (JSON)',
    }),
    endpoint: Type.String({
      default: 'http://127.0.0.1:4318/v1/traces',
      pattern: '^https?://',
      maxLength: 2048,
      description: 'OTLP/HTTP traces URL of the collector',
    }),
    serviceName: Type.String({ default: 'rampart', minLength: 1, maxLength: 128 }),
    sampleRatio: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description: 'share of new traces recorded (parent-based: a trusted parent decides)',
    }),
    headers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&*+.^_`|~-]{1,128}$' }), Type.String(), {
      default: {},
      maxProperties: 32,
      description: 'headers sent to the collector, e.g. authorization: ${OTLP_TOKEN}',
    }),
    trustIncoming: Type.Boolean({
      default: false,
      description:
        "continue the client's W3C traceparent; off: every request starts a new trace (a client cannot force sampling)",
    }),
    exportTimeoutMs: Duration(10_000, 'how long one export to the collector may take'),
    maxQueueSize: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 2048,
      description: 'finished spans held for export; past it spans are dropped',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'OpenTelemetry tracing: a span per request, per policy stage and for the upstream call',
  },
);

const AnomalyAction = Type.Union([Type.Literal('alert'), Type.Literal('block'), Type.Literal('revoke')], {
  description:
    'alert: POST to anomaly.webhook; block: the IP or consumer for blockSeconds; revoke: the API key used',
});

/** What every anomaly detector has: on/off, its responses, and how a block is made. */
const detectorBase = (respond: readonly ('alert' | 'block' | 'revoke')[], blockTarget: string) => ({
  enabled: Type.Boolean({ default: true }),
  respond: Type.Array(AnomalyAction, {
    default: [...respond],
    maxItems: 3,
    uniqueItems: true,
    description: 'responses besides recording the detection (always done)',
  }),
  blockTarget: Type.Union([Type.Literal('ip'), Type.Literal('consumer'), Type.Literal('both')], {
    default: blockTarget,
    description: 'what `block` blocks; consumer falls back to ip when the caller is anonymous',
  }),
  blockSeconds: Type.Integer({ minimum: 1, maximum: 604_800, default: 900 }),
});

const Anomaly = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'detect abuse from traffic and respond' }),
    maxSubjects: Type.Integer({
      minimum: 100,
      maximum: 1_000_000,
      default: 10_000,
      description: 'IPs and consumers tracked at once; the least recently seen are forgotten',
    }),
    bucketSeconds: Type.Integer({
      minimum: 1,
      maximum: 3_600,
      default: 60,
      description: 'the period of the baselines (requests, errors, auth failures per bucket)',
    }),
    alpha: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.3,
      description: 'EWMA weight of the newest bucket',
    }),
    cooldownSeconds: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 300,
      description: 'a detector fires at most once per subject in this time',
    }),
    exempt: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 1_000,
      description: 'IPs or CIDRs never blocked (detections are still recorded)',
    }),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            minLength: 1,
            maxLength: 2_048,
            description: 'http(s) URL the alerts are POSTed to',
          }),
          secret: Type.Optional(
            Type.String({
              minLength: 16,
              maxLength: 1_024,
              description: 'HMAC-SHA256 key for X-Rampart-Signature; use ${ENV}',
            }),
          ),
          format: Type.Union([Type.Literal('json'), Type.Literal('slack')], { default: 'json' }),
          timeoutMs: Duration(5_000, 'per attempt'),
          maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
          retryBaseMs: Type.Integer({
            minimum: 1,
            maximum: 600_000,
            default: 1_000,
            description: 'first retry delay; doubled each attempt, capped at 5 minutes',
          }),
          queueSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    enumeration: Type.Object(
      {
        ...detectorBase(['block'], 'consumer'),
        windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
        maxDistinctObjects: Type.Integer({
          minimum: 2,
          maximum: 5_000,
          default: 100,
          description:
            'distinct object ids on one route template per window (and 3x the baseline); counted exactly to 32, then estimated',
        }),
        sequentialRun: Type.Integer({
          minimum: 2,
          maximum: 10_000,
          default: 10,
          description: 'consecutive numeric ids one or two apart',
        }),
        minNotFound: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
        notFoundRatio: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.5,
          description: 'share of 404 (and 403) answers on object routes, from minNotFound of them',
        }),
      },
      { additionalProperties: false, default: {}, description: 'object id enumeration (BOLA hunting)' },
    ),
    credentialStuffing: Type.Object(
      {
        ...detectorBase(['block'], 'ip'),
        windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
        usernamesPerIp: Type.Integer({
          minimum: 2,
          maximum: 100_000,
          default: 10,
          description: 'distinct usernames failing from one IP',
        }),
        ipsPerUsername: Type.Integer({
          minimum: 2,
          maximum: 100_000,
          default: 10,
          description: 'distinct IPs failing one username',
        }),
        routes: Type.Array(
          Type.Object(
            {
              operation: Type.String({
                minLength: 1,
                maxLength: 256,
                description: 'operationId, or api:operationId',
              }),
              usernameField: Type.String({ minLength: 1, maxLength: 128 }),
            },
            { additionalProperties: false },
          ),
          {
            default: [],
            maxItems: 100,
            description: 'login routes besides those marked x-rampart.login',
          },
        ),
      },
      { additionalProperties: false, default: {}, description: 'credential stuffing on login routes' },
    ),
    authFailures: Type.Object(
      {
        ...detectorBase([], 'ip'),
        minFailures: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30, description: 'per bucket' }),
        multiplier: Type.Number({
          minimum: 1,
          maximum: 1_000,
          default: 5,
          description: 'times the baseline',
        }),
      },
      { additionalProperties: false, default: {}, description: 'spikes of 401/403 answers per subject' },
    ),
    trafficSpike: Type.Object(
      {
        ...detectorBase([], 'ip'),
        minRequests: Type.Integer({
          minimum: 1,
          maximum: 10_000_000,
          default: 600,
          description: 'per bucket',
        }),
        multiplier: Type.Number({
          minimum: 1,
          maximum: 1_000,
          default: 10,
          description: 'times the baseline',
        }),
        warmupBuckets: Type.Integer({
          minimum: 1,
          maximum: 1_000,
          default: 5,
          description: 'buckets of baseline before a spike can fire',
        }),
      },
      { additionalProperties: false, default: {}, description: 'request rate far above the baseline' },
    ),
    adminRoutes: Type.Object(
      {
        ...detectorBase([], 'consumer'),
        words: Type.Array(Type.String({ minLength: 2, maxLength: 64, pattern: '^[a-z0-9_-]+$' }), {
          default: [
            'admin',
            'internal',
            'debug',
            'manage',
            'management',
            'root',
            'sudo',
            'superuser',
            'staff',
            'system',
          ],
          maxItems: 100,
          description: 'a route whose path or operationId has one of these words is admin-like',
        }),
        warmupRequests: Type.Integer({
          minimum: 0,
          maximum: 1_000_000,
          default: 20,
          description: 'requests a consumer makes before its routes count as its habits',
        }),
        refusedOnly: Type.Boolean({
          default: true,
          description: 'fire only when the new admin-like call was refused (probing, not work)',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'a consumer trying admin-like routes it never used',
      },
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'anomaly detection on the access records, and automatic responses',
  },
);

const Log = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    access: Type.Boolean({ default: true, description: 'one JSON line per request' }),
    redact: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'extra pino redaction paths, e.g. req.headers["x-session"]',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** The whole `rampart.yaml`. Unknown keys are errors everywhere. */
export const RampartConfig = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    production: Type.Boolean({
      default: false,
      description:
        'refuse settings that are unsafe in production (plain HTTP listeners that do not redirect, a missing or weak data-at-rest key, which RAMPART_ENV=production refuses too)',
    }),
    mode: Type.Union([Type.Literal('enforce'), Type.Literal('monitor')], { default: 'enforce' }),
    listeners: Type.Array(Listener, { minItems: 1, maxItems: 16 }),
    admin: Admin,
    upstreams: Type.Record(Type.String({ pattern: '^[A-Za-z0-9._-]+$' }), Upstream),
    apis: Type.Array(Api, { minItems: 1, maxItems: 256 }),
    trustedProxies: Type.Array(Type.String({ minLength: 1, description: 'IP or CIDR' }), {
      default: [],
      maxItems: 1000,
    }),
    limits: Limits,
    paths: Paths,
    headers: Headers,
    log: Log,
    events: Events,
    anomaly: Anomaly,
    telemetry: Telemetry,
    state: State,
    rateLimit: RateLimits,
    clientGate: ClientGate,
    bruteForce: BruteForce,
    validation: Validation,
    inspection: Inspection,
    response: ResponseSettings,
    auth: Type.Optional(AuthConfig),
    shutdownTimeoutMs: Duration(10_000, 'how long in-flight requests may take to finish on SIGTERM'),
  },
  {
    additionalProperties: false,
    $id: 'https://rampart.dev/schema/rampart.json',
    title: 'Rampart configuration',
  },
);

export type RampartConfig = Static<typeof RampartConfig>;
export type RoutePolicy = Static<typeof RoutePolicy>;
export type ListenerConfig = Static<typeof Listener>;
export type UpstreamConfig = Static<typeof Upstream>;
export type TelemetryConfig = Static<typeof Telemetry>;
export type ApiConfig = Static<typeof Api>;
export type CorsConfig = Static<typeof Cors>;
export type LimitsConfig = Static<typeof Limits>;
export type PathsConfig = Static<typeof Paths>;
export type HeadersConfig = Static<typeof Headers>;
export type LogConfig = Static<typeof Log>;
export type AnomalyConfig = Static<typeof Anomaly>;
export type StateConfig = Static<typeof State>;
export type RateLimitRuleConfig = Static<typeof RateLimitRule>;
export type QuotaRuleConfig = Static<typeof QuotaRule>;
export type ConcurrencyRuleConfig = Static<typeof ConcurrencyRule>;
export type BruteForceConfig = Static<typeof BruteForce>;
export type ClientGateConfig = Static<typeof ClientGate>;
export type ValidationConfig = Static<typeof Validation>;
export type InspectionConfig = Static<typeof Inspection>;
export type InspectExclusionConfig = Static<typeof InspectExclusion>;
export type ResponseConfig = Static<typeof ResponseSettings>;
export type ResponseRouteConfig = Static<typeof ResponseRoute>;
export type MaskFieldRuleConfig = Static<typeof MaskFieldRule>;
export type MaskTypeRuleConfig = Static<typeof MaskTypeRule>;

/**
 * The schema as editors should see it: properties that have a default are optional to write, so
 * they leave `required` (the loader fills them in before validating types).
 */
export function editorSchema(): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = strip(v);
    const props = out.properties as Record<string, { default?: unknown }> | undefined;
    if (Array.isArray(out.required) && props !== undefined) {
      out.required = (out.required as string[]).filter((k) => props[k]?.default === undefined);
      if ((out.required as string[]).length === 0) delete out.required;
    }
    return out;
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(strip(RampartConfig) as Record<string, unknown>),
  };
}
