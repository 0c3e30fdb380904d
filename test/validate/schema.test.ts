import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequestAjv, toRequestSchema } from '../../src/validate/schema.ts';
import { excerpt, violationsFromAjv } from '../../src/validate/violations.ts';

const ajv = createRequestAjv();

function check(schema: unknown, value: unknown, dialect: '3.0' | '3.1' = '3.1', closeObjects = true) {
  const v = ajv.compile(toRequestSchema(schema, { dialect, closeObjects }));
  const ok = v(value);
  return { ok, violations: ok ? [] : violationsFromAjv(v.errors ?? [], '/body') };
}

const USER_UPDATE = { type: 'object', properties: { display_name: { type: 'string', maxLength: 64 } } };

describe('request schemas', () => {
  it('refuses undeclared properties (mass assignment), naming them without their values', () => {
    const r = check(USER_UPDATE, { display_name: 'Al', role: 'admin' });
    assert.equal(r.ok, false);
    assert.deepEqual(r.violations, [{ pointer: '/body/role', message: 'is not a declared property' }]);
  });
  it('leaves schemas that say additionalProperties open, and free-form objects', () => {
    assert.equal(check({ ...USER_UPDATE, additionalProperties: true }, { role: 'x' }).ok, true);
    assert.equal(check({ type: 'object' }, { anything: 1 }).ok, true);
    assert.equal(check({ type: 'object', additionalProperties: { type: 'integer' } }, { a: 1 }).ok, true);
  });
  it("allOf composition keeps every branch's properties (unevaluatedProperties, not additionalProperties)", () => {
    const s = {
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } } },
        { properties: { b: { type: 'integer' } } },
      ],
    };
    assert.equal(check(s, { a: 'x', b: 1 }).ok, true);
    assert.equal(check(s, { a: 'x', b: 1, c: true }).ok, false);
  });
  it('closes nested objects and array items', () => {
    const s = {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } },
      },
    };
    assert.deepEqual(check(s, { items: [{ id: 1 }, { id: 2, admin: true }] }).violations, [
      { pointer: '/body/items/1/admin', message: 'is not a declared property' },
    ]);
  });
  it('does not close objects when told not to (strip mode decides later)', () => {
    assert.equal(check(USER_UPDATE, { role: 'x' }, '3.1', false).ok, true);
  });
  it('refuses readOnly properties in requests and drops them from required', () => {
    const s = {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string' } },
    };
    assert.equal(check(s, { name: 'x' }).ok, true);
    assert.deepEqual(check(s, { id: 5, name: 'x' }).violations, [
      { pointer: '/body/id', message: 'is read-only' },
    ]);
  });
  it('translates the 3.0 dialect: nullable, boolean exclusive bounds', () => {
    const s = {
      type: 'object',
      properties: { n: { type: 'integer', nullable: true, minimum: 0, exclusiveMinimum: true } },
    };
    assert.equal(check(s, { n: null }, '3.0').ok, true);
    assert.equal(check(s, { n: 0 }, '3.0').ok, false);
    assert.equal(check(s, { n: 1 }, '3.0').ok, true);
    const e = { type: 'string', enum: ['a'], nullable: true };
    assert.equal(check(e, null, '3.0').ok, true);
    assert.equal(check({ type: 'number', maximum: 5, exclusiveMaximum: false }, 5, '3.0').ok, true);
  });
  it('accepts 3.1 type arrays and formats', () => {
    assert.equal(check({ type: ['string', 'null'] }, null).ok, true);
    assert.equal(check({ type: 'string', format: 'uri' }, 'http://example.com/').ok, true);
    assert.equal(check({ type: 'string', format: 'uri' }, 'not a uri').ok, false);
    assert.equal(check({ type: 'string', format: 'email' }, 'a@example.com').ok, true);
  });
  it('ignores OpenAPI annotations and unknown formats', () => {
    assert.equal(
      check(
        {
          type: 'string',
          format: 'phone',
          example: 'x',
          'x-internal': true,
          discriminator: { propertyName: 'a' },
        },
        'x',
      ).ok,
      true,
    );
  });
  it('turns object cycles of the resolved document into $refs', () => {
    const node: Record<string, unknown> = { type: 'object', properties: { name: { type: 'string' } } };
    (node.properties as Record<string, unknown>).child = node;
    assert.equal(check(node, { name: 'a', child: { name: 'b', child: { name: 'c' } } }).ok, true);
    assert.deepEqual(check(node, { name: 'a', child: { child: { x: 1 } } }).violations, [
      { pointer: '/body/child/child/x', message: 'is not a declared property' },
    ]);
  });
  it("never mutates the document's schema", () => {
    const s = {
      type: 'object',
      nullable: true,
      properties: { id: { type: 'integer', readOnly: true } },
      required: ['id'],
    };
    const before = JSON.stringify(s);
    toRequestSchema(s, { dialect: '3.0', closeObjects: true });
    assert.equal(JSON.stringify(s), before);
  });
});

describe('violations', () => {
  it('show at most 32 characters of a bad value', () => {
    const r = check(
      { type: 'object', properties: { code: { type: 'string', pattern: '^[a-z]+$' } } },
      { code: 'X'.repeat(500) },
    );
    assert.equal(r.violations[0]?.value?.length, 32);
    assert.ok(r.violations[0]?.value?.endsWith('…'));
  });
  it('never show the value of a secret-looking field', () => {
    const r = check(
      { type: 'object', properties: { password: { type: 'string', maxLength: 4 } } },
      { password: 'hunter2hunter2' },
    );
    assert.deepEqual(r.violations, [
      { pointer: '/body/password', message: 'must NOT have more than 4 characters' },
    ]);
    assert.equal(excerpt('hunter2', 'api_key'), undefined);
  });
  it('list at most 10 violations and count the rest', () => {
    const props: Record<string, unknown> = {};
    const value: Record<string, unknown> = {};
    for (let i = 0; i < 15; i++) {
      props[`p${i}`] = { type: 'integer' };
      value[`p${i}`] = 'x';
    }
    const r = check({ type: 'object', properties: props }, value);
    assert.equal(r.violations.length, 11);
    assert.equal(r.violations[10]?.message, 'and 5 more violations');
  });
});
