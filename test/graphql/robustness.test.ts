/** Untrusted GraphQL input never crashes the analysis or the request reader (fast-check). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildSchema, type DocumentNode, parse } from 'graphql';
import { GRAPHQL_SCHEMA_FILE } from '../../examples/graphql-api/server.ts';
import { type AnalysisOptions, analyzeDocument, isFailure } from '../../src/graphql/analyze.ts';
import { fromJson, fromQueryString } from '../../src/graphql/request.ts';

const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8'));
const OPTIONS: AnalysisOptions = {
  maxDepth: 8,
  maxCost: 1000,
  maxAliases: 20,
  maxDirectives: 10,
  fieldCosts: new Map(),
  typeCosts: new Map(),
  defaultFieldCost: 1,
  defaultListSize: 10,
  maxListSize: 100,
  fieldAuth: new Map([['User.email', { roles: ['admin'], scopes: [] }]]),
};

const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  ':',
  '...',
  'on',
  'User',
  'Post',
  'Query',
  'query',
  'fragment',
  'F',
  'G',
  'user',
  'users',
  'posts',
  'author',
  'name',
  'email',
  'id',
  '__schema',
  '__typename',
  'first',
  '3',
  '$n',
  '@skip',
  '@include',
  'if',
  'true',
  'a',
  'b',
];

test('any token soup either fails to parse or is analysed to a result or a failure', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 200 }), fc.integer(), (tokens, n) => {
      let doc: DocumentNode;
      try {
        doc = parse(tokens.join(' '), { maxTokens: 1000 });
      } catch {
        return;
      }
      const r = analyzeDocument(schema, doc, null, { n }, OPTIONS, undefined, false);
      if (!isFailure(r)) {
        assert.ok(r.depth <= OPTIONS.maxDepth);
        assert.ok(r.cost <= OPTIONS.maxCost);
      }
    }),
    { numRuns: 2000 },
  );
});

test('the request readers accept any JSON value or query string without throwing', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const r = fromJson(v, 5);
      if (r.ok) assert.ok(r.requests.length >= 1 && r.requests.length <= 5);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      fromQueryString(s);
    }),
    { numRuns: 2000 },
  );
});

test('fragments nested past the bound are refused, not a stack overflow', () => {
  const q = `{ ${'... on Query { '.repeat(400)}__typename${' }'.repeat(400)} }`;
  const r = analyzeDocument(schema, parse(q), null, {}, OPTIONS, undefined, false);
  assert.ok(isFailure(r) && r.code === 'depth');
});
