import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Parameter } from '../../src/openapi/operations.ts';
import { compileParameters, type RawParameters } from '../../src/validate/params.ts';

const LIMITS = { maxDepth: 32, maxElements: 1000 };
const ARRAY = { type: 'array', items: { type: 'integer' } };
const OBJECT = { type: 'object', properties: { role: { type: 'string' }, firstName: { type: 'string' } } };

function param(
  name: string,
  where: Parameter['in'],
  schema: Record<string, unknown>,
  extra: Partial<Pick<Parameter, 'style' | 'explode'>> & { content?: Record<string, unknown> } = {},
): Parameter {
  const raw: Record<string, unknown> = { name, in: where, schema };
  if (extra.content !== undefined) raw.content = extra.content;
  return {
    name,
    in: where,
    required: where === 'path',
    schema,
    style: extra.style,
    explode: extra.explode,
    deprecated: false,
    raw,
    pointer: '',
  };
}

function run(p: Parameter, raw: Partial<RawParameters>, unknownQuery: 'refuse' | 'allow' = 'refuse') {
  const d = compileParameters([p], { unknownQuery, json: LIMITS });
  const out = d({ query: raw.query ?? '', path: raw.path ?? {}, headers: raw.headers ?? {} });
  return { value: out.values[p.in][p.name], violations: out.violations, values: out.values };
}

// Plain objects compare equal to the prototype-less ones the deserializer builds.
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('query parameters (OpenAPI style examples)', () => {
  it('form, exploded (the default): primitive, array, object', () => {
    assert.equal(run(param('id', 'query', { type: 'integer' }), { query: 'id=5' }).value, 5);
    assert.deepEqual(run(param('id', 'query', ARRAY), { query: 'id=3&id=4&id=5' }).value, [3, 4, 5]);
    const o = run(param('id', 'query', OBJECT), { query: 'role=admin&firstName=Alex' });
    assert.deepEqual(plain(o.value), { role: 'admin', firstName: 'Alex' });
    assert.deepEqual(o.violations, []);
  });
  it('form, not exploded: comma-separated arrays and key,value objects', () => {
    assert.deepEqual(
      run(param('id', 'query', ARRAY, { explode: false }), { query: 'id=3,4,5' }).value,
      [3, 4, 5],
    );
    const o = run(param('id', 'query', OBJECT, { explode: false }), {
      query: 'id=role,admin,firstName,Alex',
    });
    assert.deepEqual(plain(o.value), { role: 'admin', firstName: 'Alex' });
  });
  it('an encoded comma is part of a value, not a separator', () => {
    const p = param('tags', 'query', { type: 'array', items: { type: 'string' } }, { explode: false });
    assert.deepEqual(run(p, { query: 'tags=a%2Cb,c' }).value, ['a,b', 'c']);
  });
  it('spaceDelimited and pipeDelimited', () => {
    const s = param('id', 'query', ARRAY, { style: 'spaceDelimited', explode: false });
    assert.deepEqual(run(s, { query: 'id=3%204%205' }).value, [3, 4, 5]);
    assert.deepEqual(run(s, { query: 'id=3+4+5' }).value, [3, 4, 5]);
    const p = param('id', 'query', ARRAY, { style: 'pipeDelimited', explode: false });
    assert.deepEqual(run(p, { query: 'id=3|4|5' }).value, [3, 4, 5]);
    assert.deepEqual(run(p, { query: 'id=3%7C4%7c5' }).value, [3, 4, 5]);
  });
  it('deepObject, nested keys included', () => {
    const p = param('id', 'query', OBJECT, { style: 'deepObject', explode: true });
    assert.deepEqual(plain(run(p, { query: 'id[role]=admin&id[firstName]=Alex' }).value), {
      role: 'admin',
      firstName: 'Alex',
    });
    const f = param(
      'filter',
      'query',
      {
        type: 'object',
        properties: { price: { type: 'object', properties: { gte: { type: 'number' } } } },
      },
      { style: 'deepObject', explode: true },
    );
    assert.deepEqual(plain(run(f, { query: 'filter[price][gte]=10.5' }).value), { price: { gte: 10.5 } });
  });
  it('deepObject refuses prototype keys and malformed brackets', () => {
    const p = param('id', 'query', OBJECT, { style: 'deepObject', explode: true });
    assert.equal(run(p, { query: 'id[__proto__]=x' }).violations[0]?.message, 'has a forbidden key');
    assert.equal(run(p, { query: 'id[role=x' }).violations[0]?.message, 'has a malformed deepObject key');
  });
  it('coerces only exact spellings: 007, 1e, " 1" and true-ish words stay strings', () => {
    const i = param('n', 'query', { type: 'integer' });
    assert.equal(run(i, { query: 'n=007' }).value, '007');
    assert.equal(run(i, { query: 'n=-12' }).value, -12);
    assert.equal(run(param('x', 'query', { type: 'number' }), { query: 'x=1.5e3' }).value, 1500);
    assert.equal(run(param('x', 'query', { type: 'number' }), { query: 'x=1e' }).value, '1e');
    const b = param('b', 'query', { type: 'boolean' });
    assert.equal(run(b, { query: 'b=true' }).value, true);
    assert.equal(run(b, { query: 'b=yes' }).value, 'yes');
    assert.equal(run(param('s', 'query', { type: 'string' }), { query: 's=42' }).value, '42');
    assert.equal(run(param('n', 'query', { type: ['integer', 'null'] }), { query: 'n=' }).value, null);
    assert.equal(
      run(param('n', 'query', { type: 'integer', nullable: true }), { query: 'n=null' }).value,
      null,
    );
  });
  it('plus is a space and percent-encoding is decoded', () => {
    assert.equal(
      run(param('q', 'query', { type: 'string' }), { query: 'q=O%27Brien+and+co' }).value,
      "O'Brien and co",
    );
  });
  it('refuses a single-valued parameter given twice (parameter pollution)', () => {
    const r = run(param('id', 'query', { type: 'integer' }), { query: 'id=1&id=2' });
    assert.deepEqual(r.violations, [{ pointer: '/query/id', message: 'is given more than once' }]);
  });
  it('refuses undeclared query parameters by default, allows them when configured', () => {
    const p = param('q', 'query', { type: 'string' });
    assert.deepEqual(run(p, { query: 'q=a&debug=1' }).violations, [
      { pointer: '/query/debug', message: 'is not a declared parameter' },
    ]);
    assert.deepEqual(run(p, { query: 'q=a&debug=1' }, 'allow').violations, []);
  });
  it('an exploded free-form object takes every other query parameter', () => {
    const p = param('filters', 'query', { type: 'object', additionalProperties: { type: 'integer' } });
    const r = run(p, { query: 'a=1&b=2' });
    assert.deepEqual(plain(r.value), { a: 1, b: 2 });
    assert.deepEqual(r.violations, []);
  });
  it('malformed percent-encoding is a violation, not an exception', () => {
    const r = run(param('q', 'query', { type: 'string' }), { query: 'q=%E0%A4%A' });
    assert.equal(r.violations[0]?.pointer, '/query/q');
  });
  it('a content parameter is parsed as JSON', () => {
    const p = param(
      'f',
      'query',
      { type: 'object' },
      { content: { 'application/json': { schema: { type: 'object' } } } },
    );
    assert.deepEqual(run(p, { query: `f=${encodeURIComponent('{"a":1}')}` }).value, { a: 1 });
    assert.equal(run(p, { query: 'f=%7B' }).violations[0]?.message, 'is not valid JSON');
  });
});

describe('path parameters', () => {
  const at = (p: Parameter, raw: string) => run(p, { path: { [p.name]: raw } });
  it('simple: primitive, array, object, exploded object', () => {
    assert.equal(at(param('id', 'path', { type: 'integer' }), '5').value, 5);
    assert.deepEqual(at(param('id', 'path', ARRAY), '3,4,5').value, [3, 4, 5]);
    assert.deepEqual(plain(at(param('id', 'path', OBJECT), 'role,admin,firstName,Alex').value), {
      role: 'admin',
      firstName: 'Alex',
    });
    assert.deepEqual(
      plain(at(param('id', 'path', OBJECT, { explode: true }), 'role=admin,firstName=Alex').value),
      { role: 'admin', firstName: 'Alex' },
    );
  });
  it('label: . prefix, exploded arrays split on dots', () => {
    assert.equal(at(param('id', 'path', { type: 'integer' }, { style: 'label' }), '.5').value, 5);
    assert.deepEqual(at(param('id', 'path', ARRAY, { style: 'label' }), '.3,4,5').value, [3, 4, 5]);
    assert.deepEqual(
      at(param('id', 'path', ARRAY, { style: 'label', explode: true }), '.3.4.5').value,
      [3, 4, 5],
    );
    assert.deepEqual(
      plain(
        at(param('id', 'path', OBJECT, { style: 'label', explode: true }), '.role=admin.firstName=Alex')
          .value,
      ),
      { role: 'admin', firstName: 'Alex' },
    );
    assert.equal(
      at(param('id', 'path', { type: 'integer' }, { style: 'label' }), '5').violations[0]?.message,
      'is not a valid label-style value',
    );
  });
  it('matrix: ;name=value forms', () => {
    assert.equal(at(param('id', 'path', { type: 'integer' }, { style: 'matrix' }), ';id=5').value, 5);
    assert.deepEqual(at(param('id', 'path', ARRAY, { style: 'matrix' }), ';id=3,4,5').value, [3, 4, 5]);
    assert.deepEqual(
      at(param('id', 'path', ARRAY, { style: 'matrix', explode: true }), ';id=3;id=4;id=5').value,
      [3, 4, 5],
    );
    assert.deepEqual(
      plain(at(param('id', 'path', OBJECT, { style: 'matrix' }), ';id=role,admin,firstName,Alex').value),
      { role: 'admin', firstName: 'Alex' },
    );
    assert.deepEqual(
      plain(
        at(param('id', 'path', OBJECT, { style: 'matrix', explode: true }), ';role=admin;firstName=Alex')
          .value,
      ),
      { role: 'admin', firstName: 'Alex' },
    );
    assert.ok(
      at(param('id', 'path', { type: 'integer' }, { style: 'matrix' }), ';other=5').violations.length > 0,
    );
  });
  it('decodes after splitting', () => {
    assert.deepEqual(at(param('id', 'path', { type: 'array', items: { type: 'string' } }), 'a%2Cb,c').value, [
      'a,b',
      'c',
    ]);
  });
});

describe('header and cookie parameters', () => {
  it('header simple: array and exploded object; Authorization is never a parameter', () => {
    assert.deepEqual(
      run(param('X-Ids', 'header', ARRAY), { headers: { 'x-ids': '3, 4,5' } }).value,
      [3, 4, 5],
    );
    assert.deepEqual(
      plain(
        run(param('X-O', 'header', OBJECT, { explode: true }), {
          headers: { 'x-o': 'role=admin,firstName=Alex' },
        }).value,
      ),
      { role: 'admin', firstName: 'Alex' },
    );
    assert.equal(
      run(param('Authorization', 'header', { type: 'integer' }), { headers: { authorization: 'Bearer x' } })
        .value,
      undefined,
    );
  });
  it('cookie form: primitive, array, object', () => {
    assert.equal(
      run(param('id', 'cookie', { type: 'integer' }), { headers: { cookie: 'a=b; id=5' } }).value,
      5,
    );
    assert.deepEqual(
      run(param('id', 'cookie', ARRAY, { explode: false }), { headers: { cookie: 'id=3,4,5' } }).value,
      [3, 4, 5],
    );
    assert.deepEqual(
      plain(
        run(param('id', 'cookie', OBJECT, { explode: false }), {
          headers: { cookie: 'id=role,admin,firstName,Alex' },
        }).value,
      ),
      { role: 'admin', firstName: 'Alex' },
    );
    assert.deepEqual(
      plain(run(param('id', 'cookie', OBJECT), { headers: { cookie: 'role=admin; firstName=Alex' } }).value),
      { role: 'admin', firstName: 'Alex' },
    );
  });
});

describe('compile-time checks', () => {
  it('refuses a style the location does not define', () => {
    assert.throws(
      () =>
        compileParameters([param('id', 'path', { type: 'string' }, { style: 'form' })], {
          unknownQuery: 'refuse',
          json: LIMITS,
        }),
      /style "form"/,
    );
    assert.throws(
      () =>
        compileParameters([param('id', 'query', { type: 'string' }, { style: 'deepObject' })], {
          unknownQuery: 'refuse',
          json: LIMITS,
        }),
      /deepObject/,
    );
  });
});
