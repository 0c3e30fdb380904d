import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { listOperations } from '../../src/openapi/operations.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

describe('listOperations', () => {
  test('lists every operation in document order with pointers and locations', async () => {
    const doc = await loadOpenApi(fixture('petstore-30.yaml'));
    const ops = listOperations(doc);
    assert.deepEqual(
      ops.map((o) => [o.method, o.path, o.operationId, o.pointer]),
      [
        ['get', '/pets', 'listPets', '/paths/~1pets/get'],
        ['post', '/pets', 'createPet', '/paths/~1pets/post'],
        ['get', '/pets/{petId}', 'getPet', '/paths/~1pets~1{petId}/get'],
        ['delete', '/pets/{petId}', undefined, '/paths/~1pets~1{petId}/delete'],
      ],
    );
    assert.deepEqual(ops[2]?.location, { file: fixture('petstore-30.yaml'), line: 50, column: 5 });
  });

  test('merges path-level parameters with the operation, the operation winning by name+in', async () => {
    const [, , getPet, deletePet] = listOperations(await loadOpenApi(fixture('petstore-30.yaml')));
    assert.deepEqual(
      getPet?.parameters.map((p) => [p.name, p.in, p.required, p.pointer]),
      [
        ['petId', 'path', true, '/paths/~1pets~1{petId}/parameters/0'],
        ['X-Trace', 'header', true, '/paths/~1pets~1{petId}/get/parameters/0'],
      ],
    );
    assert.deepEqual(
      deletePet?.parameters.map((p) => [p.name, p.required]),
      [
        ['petId', true],
        ['X-Trace', false],
      ],
    );
    assert.equal(deletePet?.deprecated, true);
  });

  test('resolves $ref parameters and request bodies', async () => {
    const [list, create] = listOperations(await loadOpenApi(fixture('petstore-30.yaml')));
    assert.deepEqual(list?.parameters[0]?.schema, { type: 'integer', maximum: 100 });
    assert.equal(list?.parameters[0]?.in, 'query');
    assert.equal(create?.requestBody?.required, true);
    assert.equal(create?.requestBody?.content['application/json']?.schema?.type, 'object');
    assert.deepEqual(list?.tags, ['pets']);
  });

  test('effective security, servers and extensions', async () => {
    const [list, create, getPet] = listOperations(await loadOpenApi(fixture('petstore-30.yaml')));
    assert.deepEqual(list?.security, [{ bearer: [] }]);
    assert.deepEqual(create?.security, []);
    assert.deepEqual(list?.servers, [{ url: 'https://api.example.com/v1' }]);
    assert.deepEqual(getPet?.servers, [{ url: 'https://pets.example.com' }]);
    assert.deepEqual(getPet?.extensions, { 'x-rampart': { rateLimit: 10 } });
  });

  test('defaults servers to / and leaves security undefined when none is declared', async () => {
    const [op] = listOperations(await loadOpenApi(fixture('petstore-31.json')));
    assert.deepEqual(op?.servers, [{ url: '/' }]);
    assert.equal(op?.security, undefined);
    assert.equal(
      listOperations(await loadOpenApi(fixture('petstore-31.json'))).length,
      1,
      'webhooks excluded',
    );
  });

  test('operations of path items in other files', async () => {
    const ops = listOperations(await loadOpenApi(fixture('multi/openapi.yaml')));
    assert.deepEqual(
      ops.map((o) => [o.method, o.path, o.location?.file]),
      [
        ['get', '/users/{id}', fixture('multi/paths.yaml')],
        ['get', '/orgs', fixture('multi/openapi.yaml')],
      ],
    );
    assert.deepEqual(ops[0]?.parameters[0]?.schema, { type: 'integer' });
  });
});
