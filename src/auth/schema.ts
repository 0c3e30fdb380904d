import { type Static, Type } from '@sinclair/typebox';
import { JWT_ALGORITHMS } from './jwt.ts';

const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' });
const HeaderName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });
const ClaimPath = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_:.-]+$' });

const Claims = Type.Object(
  {
    consumer: Type.String({ ...ClaimPath, default: 'sub', description: 'claim holding the consumer id' }),
    roles: Type.String({
      ...ClaimPath,
      default: 'roles',
      description: 'claim with roles (array or space-separated)',
    }),
    scopes: Type.String({
      ...ClaimPath,
      default: 'scope',
      description: 'claim with scopes (array or space-separated)',
    }),
  },
  { additionalProperties: false, default: {}, description: 'dotted claim paths, e.g. realm_access.roles' },
);

const Issuer = Type.Object(
  {
    issuer: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'exact iss value' })),
    audience: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 32 }),
    ),
    algorithms: Type.Array(Type.Union(JWT_ALGORITHMS.map((a) => Type.Literal(a))), {
      minItems: 1,
      maxItems: JWT_ALGORITHMS.length,
      uniqueItems: true,
      description: 'allowlist; HMAC (HS*) and public-key algorithms cannot be mixed in one issuer',
    }),
    jwksUrl: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'JWKS endpoint (https in production)' }),
    ),
    keyFiles: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        maxItems: 32,
        description: 'PEM or JWK files',
      }),
    ),
    secret: Type.Optional(Type.String({ minLength: 1, description: 'HMAC secret; use ${ENV}' })),
    allowWeakSecret: Type.Boolean({
      default: false,
      description: 'accept an HMAC secret under 32 bytes (demos only)',
    }),
    certificateBound: Type.Optional(
      Type.Boolean({
        description:
          "tokens of this issuer must carry cnf.x5t#S256 matching the connection's client certificate (RFC 8705)",
      }),
    ),
    jwksMaxAgeMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000 }),
    jwksCooldownMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 }),
  },
  { additionalProperties: false },
);

/** A scheme's `forward` switch: whether its verified credential goes on to the upstream. */
function forwardOption(what: string) {
  return Type.Boolean({
    default: false,
    description: `send the ${what} on to the upstream once verified; by default the upstream gets only the verified identity (x-rampart-consumer, …), never the secret`,
  });
}

const Jwt = Type.Object(
  {
    issuers: Type.Array(Issuer, { minItems: 1, maxItems: 16 }),
    clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
    maxLifetimeSeconds: Type.Integer({ minimum: 60, maximum: 31_536_000, default: 86_400 }),
    requiredClaims: Type.Array(ClaimPath, { default: ['exp'], maxItems: 32 }),
    claims: Claims,
    forward: forwardOption('token (Authorization header)'),
    issuedThrough: Type.Optional(
      Type.Object(
        {
          operation: Type.String({
            minLength: 1,
            maxLength: 256,
            description: 'operationId of the login operation whose 2xx JSON response carries the token',
          }),
          field: Type.String({
            minLength: 1,
            maxLength: 128,
            pattern: '^[A-Za-z0-9_:.-]+$',
            default: 'token',
            description: 'dotted path of the token in that response',
          }),
        },
        {
          additionalProperties: false,
          description:
            'accept only tokens this gateway saw the login operation issue: a token forged with a weak or leaked upstream secret never passed through it (401 auth.jwt.unissued)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const ApiKey = Type.Object(
  {
    header: Type.String({ ...HeaderName, default: 'x-api-key' }),
    queryParam: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_-]+$',
      default: 'api_key',
      description: 'read only on routes with apiKeyInQuery: true',
    }),
    forward: forwardOption('key (its header)'),
  },
  { additionalProperties: false },
);

const Introspection = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'RFC 7662 introspection endpoint' }),
    clientId: Type.String({ minLength: 1 }),
    clientSecret: Type.String({ minLength: 1, description: 'use ${ENV}' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 3_000 }),
    cacheMaxMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 60_000 }),
    claims: Claims,
    forward: forwardOption('token (Authorization header)'),
  },
  { additionalProperties: false },
);

const Mtls = Type.Object(
  {
    consumerFrom: Type.Union(
      [
        Type.Literal('subject.CN'),
        Type.Literal('san.dns'),
        Type.Literal('san.uri'),
        Type.Literal('san.email'),
      ],
      { default: 'subject.CN' },
    ),
    roles: Type.Array(Name, { default: [], maxItems: 64 }),
    scopes: Type.Array(Name, { default: [], maxItems: 64 }),
  },
  { additionalProperties: false },
);

const Admin = Type.Object(
  {
    role: Type.String({ ...Name, default: 'admin' }),
    tags: Type.Array(Name, {
      default: ['admin'],
      maxItems: 64,
      description: 'operation tags that mark admin functions',
    }),
    pathSegments: Type.Array(Name, {
      default: ['admin'],
      maxItems: 64,
      description: 'a literal path segment that marks admin functions',
    }),
  },
  { additionalProperties: false, default: {} },
);

/**
 * `auth:` — authenticators by OpenAPI security scheme name, the key store, the pepper and the
 * function-level rules. A scheme name may appear in only one of apiKeys, jwt, introspection, mtls.
 */
export const AuthConfig = Type.Object(
  {
    pepper: Type.Optional(
      Type.String({ minLength: 32, description: 'HMAC key for stored API key hashes; use ${ENV}' }),
    ),
    store: Type.String({
      minLength: 1,
      default: './rampart.db',
      description: 'SQLite file (relative to this config) or postgres:// URL',
    }),
    keyCacheTtlMs: Type.Integer({ minimum: 0, maximum: 300_000, default: 5_000 }),
    lastUsedFlushMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
    responseCheckMaxBytes: Type.Integer({
      minimum: 1024,
      maximum: 16_777_216,
      default: 1_048_576,
      description: 'largest JSON response an ownership rule buffers; larger ones are refused',
    }),
    admin: Admin,
    apiKeys: Type.Record(Name, ApiKey, { default: {} }),
    jwt: Type.Record(Name, Jwt, { default: {} }),
    introspection: Type.Record(Name, Introspection, { default: {} }),
    mtls: Type.Record(Name, Mtls, { default: {} }),
  },
  { additionalProperties: false },
);

/** Per-route ownership (BOLA) rule. */
export const Ownership = Type.Object(
  {
    param: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'path parameter that must equal the claim' }),
    ),
    responseField: Type.Optional(
      Type.String({
        ...ClaimPath,
        description: 'dotted field of the JSON response that must equal the claim',
      }),
    ),
    lookup: Type.Optional(
      Type.Object(
        {
          path: Type.String({
            minLength: 1,
            maxLength: 512,
            pattern: '^/[\\x21-\\x7e]*$',
            description: 'upstream path answering the owner, e.g. /internal/orders/{id}/owner',
          }),
          field: Type.String({
            ...ClaimPath,
            description: 'dotted field of its JSON answer holding the owner',
          }),
          ttlMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 300_000, description: 'default 30000' })),
          maxEntries: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'default 10000' }),
          ),
          timeoutMs: Type.Optional(
            Type.Integer({ minimum: 100, maximum: 30_000, description: 'default 2000' }),
          ),
        },
        {
          additionalProperties: false,
          description: 'ask the upstream who owns the object before forwarding (cached; failure → 503)',
        },
      ),
    ),
    // optional rather than defaulted: x-rampart in a document is validated without filling defaults
    claim: Type.Optional(
      Type.String({ ...ClaimPath, description: 'identity claim, or "consumer" (default sub)' }),
    ),
    bypassRoles: Type.Optional(
      Type.Array(Name, { maxItems: 16, description: 'roles exempt (default [admin])' }),
    ),
  },
  { additionalProperties: false },
);

/** The per-route authorization keys merged into RoutePolicy. */
export const AuthRouteKeys = {
  roles: Type.Optional(
    Type.Array(Name, { minItems: 1, maxItems: 64, description: 'caller needs one of these roles' }),
  ),
  admin: Type.Optional(Type.Boolean({ description: 'an admin function (or explicitly not one)' })),
  ownership: Type.Optional(Ownership),
  apiKeyInQuery: Type.Optional(
    Type.Boolean({ description: 'accept the API key from the query string on this route (discouraged)' }),
  ),
  certificateBoundTokens: Type.Optional(
    Type.Boolean({
      description: 'JWTs on this route must carry cnf.x5t#S256 matching the client certificate (RFC 8705)',
    }),
  ),
};

export type AuthConfig = Static<typeof AuthConfig>;
export type JwtConfig = Static<typeof Jwt>;
export type IssuerConfig = Static<typeof Issuer>;
export type ApiKeyConfig = Static<typeof ApiKey>;
export type IntrospectionConfig = Static<typeof Introspection>;
export type MtlsConfig = Static<typeof Mtls>;
export type OwnershipConfig = Static<typeof Ownership>;
