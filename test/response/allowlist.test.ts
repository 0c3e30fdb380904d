import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AllowlistCompiler, filterByAllowlist } from '../../src/response/allowlist.ts';

const strip = { maxDepth: 64, stopAtUndeclared: false };
const refuse = { maxDepth: 64, stopAtUndeclared: true };

function run(schema: unknown, value: unknown, options = strip) {
  return filterByAllowlist(new AllowlistCompiler().compile(schema), value, options);
}

const user = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    password: { type: 'string', writeOnly: true },
  },
};

describe('response schema allowlist', () => {
  test('undeclared properties are removed and reported as pointers; declared ones kept in order', () => {
    const r = run(user, { id: 1, password_hash: '$2b$x', name: 'a', role: 'admin' });
    assert.deepEqual(r.value, { id: 1, name: 'a' });
    assert.deepEqual(Object.keys(r.value as object), ['id', 'name']);
    assert.deepEqual(r.removed, ['/password_hash', '/role']);
    assert.equal(r.removedCount, 2);
  });

  test('writeOnly properties are removed even in refuse mode, without counting as undeclared', () => {
    const r = run(user, { id: 1, password: 'secret' }, refuse);
    assert.deepEqual(r.value, { id: 1 });
    assert.equal(r.writeOnlyCount, 1);
    assert.equal(r.removedCount, 0);
  });

  test('refuse mode stops at the first undeclared property and leaves the value alone', () => {
    const input = { id: 1, email: 'a@b.c', role: 'x' };
    const r = run(user, input, refuse);
    assert.equal(r.value, input);
    assert.deepEqual(r.removed, ['/email']);
  });

  test('a conforming value comes back as the same reference (copy on write)', () => {
    const input = { id: 1, name: 'a' };
    assert.equal(run(user, input).value, input);
    const list = [input, { id: 2 }];
    assert.equal(run({ type: 'array', items: user }, list).value, list);
  });

  test('arrays and nested objects: every item filtered; pointers name the array with *', () => {
    const schema = {
      type: 'object',
      properties: { items: { type: 'array', items: user }, meta: { type: 'object', properties: { n: {} } } },
    };
    const r = run(schema, { items: [{ id: 1, card: '4242' }, { id: 2 }], meta: { n: 1, debug: true } });
    assert.deepEqual(r.value, { items: [{ id: 1 }, { id: 2 }], meta: { n: 1 } });
    assert.deepEqual(r.removed, ['/items/*/card', '/meta/debug']);
  });

  test('prefixItems filter by position, items after them', () => {
    const schema = {
      type: 'array',
      prefixItems: [{ type: 'object', properties: { a: {} } }],
      items: { type: 'object', properties: { b: {} } },
    };
    assert.deepEqual(
      run(schema, [
        { a: 1, b: 1 },
        { a: 2, b: 2 },
      ]).value,
      [{ a: 1 }, { b: 2 }],
    );
  });

  test('additionalProperties: true keeps extras, false removes them, a schema filters them', () => {
    assert.deepEqual(
      run({ properties: { a: {} }, additionalProperties: true }, { a: 1, z: { q: 1 } }).value,
      {
        a: 1,
        z: { q: 1 },
      },
    );
    assert.deepEqual(run({ properties: { a: {} }, additionalProperties: false }, { a: 1, z: 2 }).value, {
      a: 1,
    });
    const map = { type: 'object', additionalProperties: { type: 'object', properties: { price: {} } } };
    assert.deepEqual(run(map, { x: { price: 1, cost: 2 }, y: { price: 3 } }).value, {
      x: { price: 1 },
      y: { price: 3 },
    });
  });

  test('patternProperties declare the keys they match', () => {
    const schema = { properties: { id: {} }, patternProperties: { '^x-': { type: 'string' } } };
    assert.deepEqual(run(schema, { id: 1, 'x-trace': 't', secret: 's' }).value, { id: 1, 'x-trace': 't' });
  });

  test('a schema that declares nothing about objects is free-form: its objects pass', () => {
    assert.deepEqual(run({ type: 'object' }, { anything: 1 }).value, { anything: 1 });
    assert.deepEqual(run({}, { anything: 1 }).value, { anything: 1 });
    assert.deepEqual(run({ type: 'object', properties: {} }, { anything: 1 }).value, {});
  });

  test('allOf: the union of the branches (composition)', () => {
    const base = { type: 'object', properties: { id: {} } };
    const schema = { allOf: [base, { properties: { name: {} } }, { required: ['id'] }] };
    assert.deepEqual(run(schema, { id: 1, name: 'n', hash: 'h' }).value, { id: 1, name: 'n' });
  });

  test('allOf: a property writeOnly in one branch is removed even if another declares it', () => {
    const schema = {
      allOf: [{ properties: { pw: {} } }, { properties: { pw: { writeOnly: true }, id: {} } }],
    };
    assert.deepEqual(run(schema, { id: 1, pw: 'x' }).value, { id: 1 });
  });

  test('oneOf: the union of the branches that match (discriminator by enum/const)', () => {
    const cat = { type: 'object', required: ['kind'], properties: { kind: { const: 'cat' }, meows: {} } };
    const dog = { type: 'object', required: ['kind'], properties: { kind: { enum: ['dog'] }, barks: {} } };
    const schema = { oneOf: [cat, dog] };
    assert.deepEqual(run(schema, { kind: 'cat', meows: 1, barks: 2, secret: 3 }).value, {
      kind: 'cat',
      meows: 1,
    });
    assert.deepEqual(run(schema, { kind: 'dog', meows: 1, barks: 2 }).value, { kind: 'dog', barks: 2 });
  });

  test('anyOf with no matching branch: the union of all branches', () => {
    const schema = {
      anyOf: [
        { type: 'object', required: ['a'], properties: { a: {} } },
        { type: 'object', required: ['b'], properties: { b: {} } },
      ],
    };
    assert.deepEqual(run(schema, { c: 1, a2: 2 }).value, {});
    assert.deepEqual(run(schema, { a: 1, b: 2, c: 3 }).value, { a: 1, b: 2 });
  });

  test('oneOf by JSON type: an array branch and an object branch', () => {
    const schema = {
      oneOf: [
        { type: 'array', items: { type: 'object', properties: { id: {} } } },
        { type: 'object', properties: { error: {} } },
      ],
    };
    assert.deepEqual(run(schema, [{ id: 1, x: 2 }]).value, [{ id: 1 }]);
    assert.deepEqual(run(schema, { error: 'e', stack: 's' }).value, { error: 'e' });
  });

  test('$ref cycles (resolved as object cycles) compile and filter a deep tree', () => {
    const node: Record<string, unknown> = { type: 'object', properties: { name: {} } };
    (node.properties as Record<string, unknown>).children = { type: 'array', items: node };
    const tree = {
      name: 'a',
      x: 1,
      children: [{ name: 'b', y: 2, children: [{ name: 'c', z: 3, children: [] }] }],
    };
    assert.deepEqual(run(node, tree).value, {
      name: 'a',
      children: [{ name: 'b', children: [{ name: 'c', children: [] }] }],
    });
  });

  test('allOf cycles terminate', () => {
    const a: Record<string, unknown> = { properties: { a: {} } };
    const b: Record<string, unknown> = { properties: { b: {} }, allOf: [a] };
    a.allOf = [b];
    assert.deepEqual(run(a, { a: 1, b: 2, c: 3 }).value, { a: 1, b: 2 });
  });

  test('nesting past maxDepth is reported and nothing is filtered', () => {
    const node: Record<string, unknown> = { type: 'object', properties: { x: {} } };
    (node.properties as Record<string, unknown>).next = node;
    let deep: Record<string, unknown> = { x: 1, leak: 1 };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    const r = filterByAllowlist(new AllowlistCompiler().compile(node), deep, {
      maxDepth: 50,
      stopAtUndeclared: false,
    });
    assert.equal(r.tooDeep, true);
    assert.equal(r.value, deep);
  });

  test('a parsed __proto__ key is data: removed when undeclared, kept as an own property when declared', () => {
    const input = JSON.parse('{"id":1,"__proto__":{"admin":true}}');
    const out = run(user, input).value as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['id']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    const declared = run(
      JSON.parse('{"properties":{"__proto__":{},"b":{}}}'),
      JSON.parse('{"__proto__":1,"b":2,"c":3}'),
    );
    const kept = declared.value as Record<string, unknown>;
    assert.equal(Object.getOwnPropertyDescriptor(kept, '__proto__')?.value, 1);
    assert.equal(Object.getPrototypeOf(kept), Object.prototype);
  });

  test('OpenAPI 3.0 nullable and type arrays: a null passes', () => {
    assert.equal(run({ type: 'object', nullable: true, properties: { a: {} } }, null).value, null);
    assert.deepEqual(run({ type: ['object', 'null'], properties: { a: {} } }, { a: 1, b: 2 }).value, {
      a: 1,
    });
  });
});
