import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LOAD_LIMITS, loadOpenApi, OpenApiError, parseOpenApi } from '../../src/openapi/load.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => join(fixtures, name);

/** Load a fixture expecting failure; returns the OpenApiError. */
async function loadError(name: string): Promise<OpenApiError> {
  try {
    await loadOpenApi(fixture(name));
  } catch (err) {
    assert.ok(err instanceof OpenApiError, `expected OpenApiError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${name} loaded without error`);
}

async function parseError(text: string, file = join(fixtures, 'inline.yaml')): Promise<OpenApiError> {
  try {
    await parseOpenApi(text, file);
  } catch (err) {
    assert.ok(err instanceof OpenApiError, `expected OpenApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('document parsed without error');
}

type Obj = Record<string, unknown>;
const at = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], value);

describe('loadOpenApi', () => {
  test('loads a 3.0 YAML document and resolves local $refs to shared objects', async () => {
    const doc = await loadOpenApi(fixture('petstore-30.yaml'));
    assert.equal(doc.version, '3.0');
    assert.equal(doc.file, fixture('petstore-30.yaml'));
    const pet = at(doc.root, 'components', 'schemas', 'Pet');
    const itemSchema = at(
      doc.root,
      'paths',
      '/pets',
      'get',
      'responses',
      '200',
      'content',
      'application/json',
      'schema',
      'items',
    );
    const bodySchema = at(
      doc.root,
      'paths',
      '/pets',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
    );
    assert.equal(itemSchema, pet);
    assert.equal(bodySchema, pet);
    assert.deepEqual(
      at(doc.raw, 'paths', '/pets', 'post', 'requestBody', 'content', 'application/json', 'schema'),
      {
        $ref: '#/components/schemas/Pet',
      },
    );
  });

  test('a property named `default` is resolved; `example` values stay literal', async () => {
    const doc = await loadOpenApi(fixture('petstore-30.yaml'));
    const props = at(doc.root, 'components', 'schemas', 'Pet', 'properties') as Obj;
    assert.deepEqual(props.default, { type: 'string' });
    assert.deepEqual(at(props, 'name', 'example'), { $ref: 'not-a-reference' });
  });

  test('loads a 3.1 JSON document; $ref siblings become an allOf', async () => {
    const doc = await loadOpenApi(fixture('petstore-31.json'));
    assert.equal(doc.version, '3.1');
    const schema = at(
      doc.root,
      'paths',
      '/pets/{id}',
      'get',
      'responses',
      '200',
      'content',
      'application/json',
      'schema',
    ) as Obj;
    assert.equal(schema.description, 'the pet');
    assert.deepEqual(schema.required, ['name']);
    assert.deepEqual(schema.allOf, [at(doc.root, 'components', 'schemas', 'Pet')]);
    assert.deepEqual(doc.locate('/paths/~1pets~1{id}/get'), {
      file: fixture('petstore-31.json'),
      line: 6,
      column: 7,
    });
  });

  test('locate maps JSON pointers to 1-based line:column of the key', async () => {
    const doc = await loadOpenApi(fixture('petstore-30.yaml'));
    const file = fixture('petstore-30.yaml');
    assert.deepEqual(doc.locate(''), { file, line: 1, column: 1 });
    assert.deepEqual(doc.locate('/paths/~1pets~1{petId}/get'), { file, line: 50, column: 5 });
    assert.deepEqual(doc.locate('/paths/~1pets/get/parameters/0'), { file, line: 15, column: 11 });
    assert.deepEqual(doc.locate('/paths/~1pets/get/responses/200'), { file, line: 17, column: 9 });
    assert.equal(doc.locate('/paths/~1nope'), undefined);
    assert.equal(doc.locate('not a pointer'), undefined);
  });

  test('locate follows a $ref met on the way', async () => {
    const doc = await loadOpenApi(fixture('petstore-30.yaml'));
    // parameters/0 is a $ref to #/components/parameters/Limit, whose `name` is on line 81.
    assert.deepEqual(doc.locate('/paths/~1pets/get/parameters/0/name'), {
      file: fixture('petstore-30.yaml'),
      line: 81,
      column: 7,
    });
  });

  test('resolves relative-file $refs with ~1 escapes, across directories, and keeps cross-file cycles', async () => {
    const doc = await loadOpenApi(fixture('multi/openapi.yaml'));
    const models = fixture('multi/schemas/models.yaml');
    assert.deepEqual(doc.files, [fixture('multi/openapi.yaml'), fixture('multi/paths.yaml'), models]);
    const get = at(doc.root, 'paths', '/users/{id}', 'get') as Obj;
    assert.equal(get.operationId, 'getUser');
    assert.deepEqual((get.parameters as Obj[])[0]?.name, 'id');
    const user = at(get, 'responses', '200', 'content', 'application/json', 'schema') as Obj;
    const org = at(
      doc.root,
      'paths',
      '/orgs',
      'get',
      'responses',
      '200',
      'content',
      'application/json',
      'schema',
    );
    assert.equal(at(user, 'properties', 'org'), org);
    assert.equal(at(org, 'properties', 'members', 'items'), user);
    assert.deepEqual(doc.originOf(user), { file: models, pointer: '/User' });
    assert.deepEqual(
      doc.locate('/paths/~1users~1{id}/get/responses/200/content/application~1json/schema/properties/name'),
      {
        file: models,
        line: 10,
        column: 5,
      },
    );
    assert.deepEqual(doc.locateIn(models, '/Org'), { file: models, line: 14, column: 1 });
  });

  test('keeps a recursive schema as an object cycle', async () => {
    const doc = await loadOpenApi(fixture('cycle.yaml'));
    const node = at(doc.root, 'components', 'schemas', 'Node') as Obj;
    assert.equal(at(node, 'properties', 'children', 'items'), node);
    assert.equal(
      at(doc.root, 'paths', '/nodes', 'get', 'responses', '200', 'content', 'application/json', 'schema'),
      node,
    );
  });

  test('a $ref that does not resolve names file:line:column of the $ref', async () => {
    const err = await loadError('broken-ref.yaml');
    assert.equal(err.code, 'openapi.ref');
    assert.deepEqual(err.location, { file: fixture('broken-ref.yaml'), line: 12, column: 17 });
    assert.equal(err.pointer, '/paths/~1users/get/responses/200/content/application~1json/schema/$ref');
    assert.match(
      err.message,
      /broken-ref\.yaml:12:17: \$ref '#\/components\/schemas\/Usr' does not resolve$/,
    );
  });

  test('a $ref to a missing file is an openapi.ref error at the $ref', async () => {
    const err = await parseError(
      "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: './nowhere.yaml#/a'\n",
    );
    assert.equal(err.code, 'openapi.ref');
    assert.equal(err.location?.line, 5);
    assert.match(err.message, /does not exist/);
  });

  test('remote $refs are refused, not fetched', async () => {
    const err = await loadError('remote-ref.yaml');
    assert.equal(err.code, 'openapi.ref');
    assert.equal(err.location?.line, 8);
    assert.match(err.message, /remote \$refs are not fetched/);
  });

  test('a $ref to a file that is not YAML or JSON is refused', async () => {
    const err = await parseError("openapi: 3.0.3\npaths:\n  /a:\n    $ref: '../../../../etc/passwd'\n");
    assert.equal(err.code, 'openapi.ref');
    assert.match(err.message, /not \.yaml, \.yml or \.json/);
  });

  test('a $ref cycle with no content is an error, not a hang', async () => {
    const err = await parseError(
      'openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    A: { $ref: "#/components/schemas/B" }\n    B: { $ref: "#/components/schemas/A" }\n',
    );
    assert.equal(err.code, 'openapi.ref');
    assert.match(err.message, /circular/);
  });

  test('bad YAML reports its location', async () => {
    const err = await loadError('bad-yaml.yaml');
    assert.equal(err.code, 'openapi.parse');
    assert.equal(err.location?.file, fixture('bad-yaml.yaml'));
    assert.ok((err.location?.line ?? 0) >= 8, `line ${err.location?.line}`);
    assert.match(err.message, /^.*bad-yaml\.yaml:\d+:\d+: /);
  });

  test('duplicate keys are errors in YAML and in JSON', async () => {
    const yamlErr = await loadError('duplicate-keys.yaml');
    assert.equal(yamlErr.code, 'openapi.parse');
    assert.deepEqual(yamlErr.location, { file: fixture('duplicate-keys.yaml'), line: 7, column: 3 });
    assert.match(yamlErr.message, /duplicate key/);
    const jsonErr = await loadError('duplicate-keys.json');
    assert.equal(jsonErr.code, 'openapi.parse');
    assert.equal(jsonErr.location?.line, 5);
  });

  test('Swagger 2.0 is refused with a clear message', async () => {
    const err = await loadError('swagger.yaml');
    assert.equal(err.code, 'openapi.invalid');
    assert.match(err.message, /swagger\.yaml:1:1: Swagger 2\.0 is not supported; convert to OpenAPI 3$/);
  });

  test('other versions and a missing or unquoted version are refused', async () => {
    assert.match((await parseError('openapi: 3.2.0\npaths: {}\n')).message, /'3\.2\.0' is not supported/);
    assert.match((await parseError('openapi: 3.0\npaths: {}\n')).message, /must be a string/);
    assert.match((await parseError('info: {}\npaths: {}\n')).message, /missing the 'openapi'/);
    assert.match((await parseError('- a\n- b\n')).message, /must be a mapping/);
  });

  test('a path template variable not declared as a path parameter is an error with its location', async () => {
    const err = await loadError('missing-path-param.yaml');
    assert.equal(err.code, 'openapi.invalid');
    assert.deepEqual(err.location, { file: fixture('missing-path-param.yaml'), line: 5, column: 5 });
    assert.match(err.message, /path parameter '\{postId\}' is not declared with 'in: path'/);
  });

  test('a declared path parameter missing from the template is an error', async () => {
    const err = await parseError(
      'openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - { name: id, in: path, required: true }\n      responses: {}\n',
    );
    assert.match(err.message, /inline\.yaml:6:11: path parameter 'id' is not in the path template '\/a'/);
  });

  test('structural errors: path without /, bad method, malformed template, bad parameter', async () => {
    assert.match(
      (await parseError('openapi: 3.0.3\npaths:\n  users: {}\n')).message,
      /:3:3: path 'users' must start with/,
    );
    assert.match(
      (await parseError('openapi: 3.0.3\npaths:\n  /users:\n    GET: {}\n')).message,
      /:4:5: 'GET' is not an HTTP method .*lowercase: 'get'/,
    );
    assert.match(
      (await parseError('openapi: 3.0.3\npaths:\n  /a/{id:\n    get: {}\n')).message,
      /not closed/,
    );
    assert.match(
      (
        await parseError(
          'openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - { name: q, in: body }\n',
        )
      ).message,
      /:6:11: parameter 'q' needs 'in'/,
    );
    assert.match((await parseError('openapi: 3.0.3\ninfo: {}\n')).message, /missing 'paths'/);
  });

  test('3.1 allows webhooks without paths', async () => {
    const doc = await parseOpenApi(
      'openapi: 3.1.0\nwebhooks:\n  ping:\n    post:\n      responses: {}\n',
      join(fixtures, 'inline.yaml'),
    );
    assert.equal(doc.version, '3.1');
  });

  test('a missing file is an openapi.read error', async () => {
    const err = await loadError('does-not-exist.yaml');
    assert.equal(err.code, 'openapi.read');
    assert.match(err.message, /ENOENT/);
  });

  test('a file larger than the bound is refused before parsing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-openapi-'));
    try {
      const big = join(dir, 'big.yaml');
      await writeFile(big, `openapi: 3.0.3\npaths: {}\nx: '${'a'.repeat(LOAD_LIMITS.maxFileBytes)}'\n`);
      const err = await loadOpenApi(big).then(
        () => assert.fail('loaded'),
        (e: unknown) => e as OpenApiError,
      );
      assert.equal(err.code, 'openapi.read');
      assert.match(err.message, /larger than 10485760 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('YAML alias bombs are bounded', async () => {
    const lines = ['openapi: 3.0.3', 'paths: {}', 'x: &a [1,1,1,1,1,1,1,1,1,1]'];
    let prev = 'a';
    for (let i = 0; i < 9; i++) {
      const name = `b${i}`;
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
      prev = name;
    }
    const err = await parseError(`${lines.join('\n')}\n`);
    assert.equal(err.code, 'openapi.parse');
  });

  test('deep nesting is an error, not a stack overflow', async () => {
    const depth = 5000;
    const text = `openapi: 3.0.3\npaths: {}\nx: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    const err = await parseError(text);
    assert.ok(err.code === 'openapi.parse' || err.code === 'openapi.invalid');
  });

  test('a __proto__ key stays data', async () => {
    const doc = await parseOpenApi(
      'openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    __proto__: { type: string }\n',
      join(fixtures, 'inline.yaml'),
    );
    const schemas = at(doc.root, 'components', 'schemas') as Obj;
    assert.equal(Object.getPrototypeOf(schemas), Object.prototype);
    assert.ok(Object.hasOwn(schemas, '__proto__'));
  });

  test('JSON and YAML of the same document load to the same tree', async () => {
    const json = await readFile(fixture('petstore-31.json'), 'utf8');
    const fromJson = await parseOpenApi(json, join(fixtures, 'x.json'));
    const fromYaml = await parseOpenApi(
      JSON.stringify(JSON.parse(json), null, '\t'),
      join(fixtures, 'x.yaml'),
    );
    assert.deepEqual(fromYaml.raw, fromJson.raw);
  });
});
