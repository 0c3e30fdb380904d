/**
 * A document with a bearer-secured API and a public login operation marked `x-rampart.login`, for the
 * brute-force tests; `more` adds paths after /login (indented as path keys).
 */
export function loginOpenApi(more: string): string {
  return `openapi: 3.1.0
info: { title: login, version: '1' }
servers:
  - url: https://api.example.test/v1
security:
  - bearer: []
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
paths:
  /login:
    post:
      operationId: login
      security: []
      x-rampart:
        login: { usernameField: username }
      requestBody:
        content: { application/json: { schema: { type: object } } }
      responses: { '200': { description: ok }, '401': { description: no } }
${more}`;
}
