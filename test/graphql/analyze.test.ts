import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { GRAPHQL_SCHEMA_FILE } from '../../examples/graphql-api/server.ts';
import {
  type AnalysisOptions,
  type AnalysisResult,
  analyzeDocument,
  type Caller,
  isFailure,
} from '../../src/graphql/analyze.ts';

const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8'));

const OPTIONS: AnalysisOptions = {
  maxDepth: 6,
  maxCost: 500,
  maxAliases: 15,
  maxDirectives: 5,
  fieldCosts: new Map([['Query.posts', 3]]),
  typeCosts: new Map(),
  defaultFieldCost: 1,
  defaultListSize: 10,
  maxListSize: 100,
  fieldAuth: new Map([['User.email', { roles: ['admin'], scopes: [] }]]),
};

function run(
  query: string,
  opts: Partial<AnalysisOptions> = {},
  caller?: Caller,
  variables: Record<string, unknown> = {},
  introspection = false,
) {
  return analyzeDocument(
    schema,
    parse(query),
    null,
    variables,
    { ...OPTIONS, ...opts },
    caller,
    introspection,
  );
}

function ok(query: string, ...rest: [Partial<AnalysisOptions>?, Caller?, Record<string, unknown>?]) {
  const r = run(query, ...rest);
  assert.ok(!isFailure(r), `refused: ${JSON.stringify(r)}`);
  return r as AnalysisResult;
}

test('depth counts fields, not fragments, and follows fragment spreads', () => {
  assert.equal(ok('{ user(id: 1) { posts { author { name } } } }').depth, 4);
  const viaFragment = ok('query { user(id: 1) { ...P } } fragment P on User { posts { author { name } } }');
  assert.equal(viaFragment.depth, 4);
  const deep = run('{ user(id: 1) { posts { author { posts { author { posts { author { name } } } } } } } }');
  assert.deepEqual(isFailure(deep) && deep.code, 'depth');
});

test('a fragment cycle is refused, not followed forever', () => {
  const r = run(
    '{ user(id: 1) { ...A } } fragment A on User { posts { author { ...B } } } fragment B on User { ...A }',
  );
  assert.ok(isFailure(r));
  assert.equal(r.code, 'depth');
});

test('cost: list multipliers from first/limit, the default list size otherwise, per-field costs', () => {
  // users(first: 2) → 1 + 2 × (posts: 1 + 10 × 0 leaves) = 1 + 2 × 1
  assert.equal(ok('{ users(first: 2) { name posts { title } } }').cost, 1 + 2 * 1);
  // posts costs 3 by config; its author is 1 per post, 10 posts by default
  assert.equal(ok('{ posts { author { name } } }').cost, 3 + 10 * 1);
  // the multiplier may come from a variable, capped at maxListSize
  assert.equal(
    ok('query Q($n: Int) { posts(first: $n) { author { name } } }', {}, undefined, { n: 1e9 }).cost,
    3 + 100,
  );
  // a declared default counts when the variable is not sent; a negative size counts as the default
  assert.equal(ok('query Q($n: Int = 100) { posts(first: $n) { author { name } } }').cost, 3 + 100);
  assert.equal(
    ok('query Q($n: Int = 100) { posts(first: $n) { author { name } } }', {}, undefined, { n: 2 }).cost,
    3 + 2,
  );
  assert.equal(ok('{ posts(first: -1) { author { name } } }').cost, 3 + 10);
  const r = run('{ users(first: 100) { posts(first: 100) { author { name } } } }');
  assert.ok(isFailure(r) && r.code === 'cost');
});

test('aliases and directives are counted as written', () => {
  const many = Array.from({ length: 16 }, (_, i) => `a${i}: user(id: ${i}) { name }`).join(' ');
  const r = run(`{ ${many} }`, { maxCost: 1e6 });
  assert.ok(isFailure(r) && r.code === 'aliases');
  const dirs = run(
    '{ user(id: 1) @include(if: true) { name @skip(if: false) id @skip(if: false) posts @include(if: true) { id @skip(if: false) title @skip(if: false) } } }',
  );
  assert.ok(isFailure(dirs) && dirs.code === 'directives');
});

test('introspection is refused unless allowed; __typename is always fine', () => {
  const r = run('{ __schema { types { name } } }');
  assert.ok(isFailure(r) && r.code === 'introspection');
  const nested = run('{ user(id: 1) { name } __type(name: "User") { name } }');
  assert.ok(isFailure(nested) && nested.code === 'introspection');
  const allowed = run('{ __schema { types { name } } }', {}, undefined, {}, true);
  assert.ok(!isFailure(allowed) && allowed.introspection);
  ok('{ __typename user(id: 1) { __typename } }');
});

test('field authorization: a field needs one of its roles, through fragments too', () => {
  const anon = run('{ user(id: 1) { email } }');
  assert.ok(isFailure(anon) && anon.code === 'field_auth');
  const viaFragment = run(
    '{ user(id: 1) { ...F } } fragment F on User { email }',
    {},
    { roles: ['reader'], scopes: [] },
  );
  assert.ok(isFailure(viaFragment) && viaFragment.code === 'field_auth');
  ok('{ user(id: 1) { email } }', {}, { roles: ['admin'], scopes: [] });
  const scoped = new Map([['Mutation', { roles: [], scopes: ['posts:write'] }]]);
  const m = run(
    'mutation { createPost(title: "t", body: "b") { id } }',
    { fieldAuth: scoped },
    { roles: [], scopes: [] },
  );
  assert.ok(isFailure(m) && m.code === 'field_auth');
  ok(
    'mutation { createPost(title: "t", body: "b") { id } }',
    { fieldAuth: scoped },
    { roles: [], scopes: ['posts:write'] },
  );
});

test('operation selection: several operations need operationName', () => {
  const r = run('query A { users { id } } query B { posts { id } }');
  assert.ok(isFailure(r) && r.code === 'operation');
  const b = analyzeDocument(
    schema,
    parse('query A { users { id } } query B { posts { id } }'),
    'B',
    {},
    OPTIONS,
    undefined,
    false,
  );
  assert.ok(!isFailure(b) && b.operation.name?.value === 'B');
});

test('a fragment spread many times is bounded by cost, not expanded without end', () => {
  const frags = ['fragment F0 on User { name }'];
  for (let i = 1; i < 12; i++)
    frags.push(
      `fragment F${i} on User { ...F${i - 1} ...F${i - 1} posts(first: 1) { author { ...F${i - 1} } } }`,
    );
  const r = run(`{ user(id: 1) { ...F11 } } ${frags.join(' ')}`, { maxDepth: 100 });
  assert.ok(isFailure(r) && r.code === 'cost');
});
