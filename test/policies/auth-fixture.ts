import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { keyPair } from '../auth/jwks-server.ts';

export const ISS = 'https://idp.example.test';
export const AUD = 'shop-api';
export const PEPPER = 'pepper-for-tests-0123456789-abcdefghijkl';

export const OPENAPI = `openapi: 3.1.0
info: { title: shop, version: '1' }
security:
  - bearer: []
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /health:
    get:
      security: []
      responses: { '200': { description: ok } }
  /orders:
    get:
      operationId: listOrders
      security:
        - bearer: [orders:read]
        - key: []
      responses: { '200': { description: ok } }
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      x-rampart: { ownership: { responseField: owner_id } }
      responses: { '200': { description: ok } }
  /users/{userId}:
    get:
      operationId: getUser
      parameters: [{ name: userId, in: path, required: true, schema: { type: string } }]
      security:
        - bearer: []
        - key: []
      x-rampart: { ownership: { param: userId, claim: consumer } }
      responses: { '200': { description: ok } }
  /admin/users/{id}:
    delete:
      operationId: deleteUser
      tags: [admin]
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /reports:
    get:
      operationId: reports
      x-rampart: { roles: [analyst] }
      responses: { '200': { description: ok } }
  /keyed:
    get:
      operationId: keyed
      security:
        - key: []
      x-rampart: { apiKeyInQuery: true }
      responses: { '200': { description: ok } }
`;

/** The gateway config for the fixture API, with a JWKS URL and an upstream. */
export function authConfig(upstream: string, jwksUrl: string, extra = ''): string {
  return `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: false
upstreams:
  app: { url: ${upstream}, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, connectTimeoutMs: 1000 }
apis:
  - name: shop
    openapi: ./openapi.yaml
    upstream: app
auth:
  pepper: \${PEPPER}
  store: ./keys.db
  apiKeys:
    key: { header: x-api-key }
  jwt:
    bearer:
      issuers:
        - issuer: ${ISS}
          audience: [${AUD}]
          algorithms: [ES256]
          jwksUrl: ${jwksUrl}
      claims: { roles: roles, scopes: scope }
${extra}
`;
}

/**
 * Upstream answers: orders 1 belongs to alice, 2 to bob, 4 to the consumer 12345678901234567890 (a
 * number in the JSON); /orders/3 answers text; everything else echoes.
 */
export function shopUpstream(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const order = /^\/orders\/([0-9]+)$/.exec(url);
  if (order !== null) {
    if (order[1] === '3') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('owner_id=bob');
      return;
    }
    if (order[1] === '4') {
      // an owner id as a JSON number no double holds (JSON.parse reads 12345678901234567000)
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"id":4,"owner_id":12345678901234567890}');
      return;
    }
    const owner = order[1] === '1' ? 'alice' : 'bob';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: Number(order[1]), owner_id: owner, card: '4111 1111 1111 1111' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      url,
      consumer: req.headers['x-rampart-consumer'] ?? null,
      scopes: req.headers['x-rampart-scopes'] ?? null,
      roles: req.headers['x-rampart-roles'] ?? null,
    }),
  );
}

/** An ES256 signer for the fixture issuer. */
export async function signer() {
  const k = await keyPair('ES256', 'shop-1');
  const sign = (
    sub: string,
    claims: Record<string, unknown> = {},
    opts: { exp?: number; iat?: number; aud?: string } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const iat = opts.iat ?? now;
    return new SignJWT({ scope: 'orders:read', roles: ['user'], ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: k.kid })
      .setIssuer(ISS)
      .setAudience(opts.aud ?? AUD)
      .setSubject(sub)
      .setIssuedAt(iat)
      .setExpirationTime(opts.exp ?? iat + 300)
      .sign(k.privateKey);
  };
  return { key: k, sign };
}
