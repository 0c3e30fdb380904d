/**
 * The GraphQL scenario of `npm run bench`: the bench upstream answers POST /graphql with the fixed
 * result, and the scenario's query is valid for the schema of examples/graphql-api (the runner's
 * probe checks that row (g) accepts it before measuring).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { GRAPHQL_QUERY, GRAPHQL_REQUEST_BODY, GRAPHQL_RESPONSE_BODY } from '../../bench/lib/graphql-body.ts';
import { startUpstream } from '../../bench/upstream.ts';

test('the bench upstream answers the GraphQL scenario with its fixed result', async () => {
  const upstream = await startUpstream();
  try {
    const res = await fetch(`${upstream.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: GRAPHQL_REQUEST_BODY,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), GRAPHQL_RESPONSE_BODY);
  } finally {
    await upstream.close();
  }
});

test('the scenario query is a valid 3-level query of the example schema', () => {
  const sdl = readFileSync(new URL('../../examples/graphql-api/schema.graphql', import.meta.url), 'utf8');
  const errors = validate(buildSchema(sdl), parse(GRAPHQL_QUERY), specifiedRules);
  assert.deepEqual(errors, []);
  const answer = JSON.parse(GRAPHQL_RESPONSE_BODY.toString('utf8'));
  assert.equal(answer.data.user.posts.length, 10);
  assert.equal(answer.data.user.posts[0].author.name, 'Ada');
});
