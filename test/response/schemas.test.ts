import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operation } from '../../src/openapi/operations.ts';
import { AllowlistCompiler } from '../../src/response/allowlist.ts';
import { compileResponseSchemas } from '../../src/response/schemas.ts';

const item = { type: 'object', properties: { id: { type: 'integer' } } };
const problem = { type: 'object', properties: { title: { type: 'string' } } };

function operation(responses: Record<string, unknown>): Operation {
  return {
    method: 'get',
    path: '/items/{id}',
    operationId: 'getItem',
    pointer: '/paths/~1items~1{id}/get',
    location: undefined,
    parameters: [],
    requestBody: undefined,
    responses,
    security: undefined,
    servers: [{ url: '/' }],
    deprecated: false,
    tags: [],
    extensions: {},
    raw: {},
  };
}

test('each status and media type finds its own declaration, however the calls repeat or alternate', () => {
  const schemas = compileResponseSchemas(
    operation({
      '200': { description: 'ok', content: { 'application/json': { schema: item } } },
      '4XX': { description: 'client error', content: { 'application/problem+json': { schema: problem } } },
      '500': { description: 'no body declared' },
    }),
    new AllowlistCompiler(),
  );
  const ok = schemas.find(200, 'application/json');
  const clientError = schemas.find(404, 'application/problem+json');
  assert.equal(ok.kind, 'schema');
  assert.equal(clientError.kind, 'schema');
  assert.notEqual(ok.kind === 'schema' && ok.node, clientError.kind === 'schema' && clientError.node);
  const expected: [number, string, unknown][] = [
    [200, 'application/json', ok],
    [200, 'application/json', ok],
    [404, 'application/problem+json', clientError],
    [200, 'application/json', ok],
    [200, 'text/html', { kind: 'gap', reason: 'media' }],
    [201, 'application/json', { kind: 'gap', reason: 'status' }],
    [500, 'application/json', { kind: 'gap', reason: 'media' }],
    [409, 'application/problem+json', clientError],
    [404, 'application/json', { kind: 'gap', reason: 'media' }],
    [200, 'application/json', ok],
  ];
  for (const [status, media, want] of expected) {
    assert.deepEqual(schemas.find(status, media), want, `${status} ${media}`);
  }
});
