import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OPERATIONS } from '../../dashboard/src/api-types.ts';
import { API_TYPES_FILE, currentApiTypes, generateApiTypes } from '../../scripts/admin-api-types.ts';

test('dashboard/src/api-types.ts is up to date with docs/admin-api.openapi.yaml (run npm run dashboard:types)', () => {
  assert.equal(readFileSync(API_TYPES_FILE, 'utf8'), currentApiTypes());
});

test('every operation of the document is in the generated table with its method and path', () => {
  assert.equal(Object.keys(OPERATIONS).length, 18);
  assert.deepEqual(OPERATIONS.revokeKey, { method: 'POST', path: '/api/keys/{keyId}/revoke' });
  assert.deepEqual(OPERATIONS.removeBlock, { method: 'DELETE', path: '/api/blocks/{kind}/{value}' });
  assert.deepEqual(OPERATIONS.signIn, { method: 'POST', path: '/api/session' });
});

test('the generator maps refs, nullable type lists, enums, maps and optional bodies', () => {
  const text = generateApiTypes(`openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /a/{id}:
    post:
      operationId: doA
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: n, in: query, schema: { type: integer } }
      requestBody:
        content: { application/json: { schema: { $ref: '#/components/schemas/In' } } }
      responses:
        '201': { description: x, content: { application/json: { schema: { $ref: '#/components/schemas/Out' } } } }
        '204': { description: none }
components:
  schemas:
    In:
      type: object
      required: [kind]
      properties:
        kind: { type: string, enum: [x, 'y'] }
        when: { type: [string, 'null'] }
    Out:
      type: object
      required: [m]
      properties:
        m: { type: object, additionalProperties: { type: integer } }
        ok: { const: true }
`);
  assert.match(text, /export type In = \{\n {2}kind: "x" \| "y";\n {2}when\?: string \| null;\n\};/);
  assert.match(text, /m: \{\n {4}\[key: string\]: number;\n {2}\};/);
  assert.match(text, /ok\?: true;/);
  assert.match(text, /path: \{\n {6}id: string;\n {4}\};/);
  assert.match(text, /query: \{\n {6}n\?: number;\n {4}\};/);
  assert.match(text, /body: In \| undefined;/);
  assert.match(text, /response: Out \| null;/);
  assert.match(text, /doA: \{ method: 'POST', path: '\/a\/\{id\}' \}/);
});
