import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, describeError, expandPath, queryString } from '../../dashboard/src/api.ts';

test('path parameters are URL-encoded into the template; a missing one is an error', () => {
  assert.equal(expandPath('/api/keys/{keyId}/revoke', { keyId: 'key_abc' }), '/api/keys/key_abc/revoke');
  assert.equal(
    expandPath('/api/blocks/{kind}/{value}', { kind: 'consumer', value: 'team/a b?#%' }),
    '/api/blocks/consumer/team%2Fa%20b%3F%23%25',
  );
  assert.equal(
    expandPath('/api/blocks/{kind}/{value}', { kind: 'ip', value: '::1' }),
    '/api/blocks/ip/%3A%3A1',
  );
  assert.throws(() => expandPath('/api/keys/{keyId}/revoke', {}), /missing path parameter keyId/);
  assert.throws(() => expandPath('/api/keys/{keyId}/revoke', { keyId: '' }), /missing path parameter keyId/);
});

test('the query string has only the set parameters, encoded', () => {
  assert.equal(queryString(undefined), '');
  assert.equal(queryString({ a: undefined, b: '', c: null }), '');
  assert.equal(
    queryString({ route: '/users/{id}', after: 0, order: 'asc', q: "' OR 1=1" }),
    '?route=%2Fusers%2F%7Bid%7D&after=0&order=asc&q=%27+OR+1%3D1',
  );
});

test('errors are told to a person by status, never with a stack', () => {
  assert.match(describeError(new ApiError(403, 'admin.csrf', 'x')), /CSRF/);
  assert.match(describeError(new ApiError(429, 'admin.auth.throttled', 'x')), /wait a minute/);
  assert.equal(
    describeError(new ApiError(503, 'admin.events.unavailable', 'no event store')),
    'Not available: no event store',
  );
  assert.equal(describeError(new ApiError(400, 'admin.body.invalid', 'bad ttlSeconds')), 'bad ttlSeconds');
  assert.equal(describeError(new Error('offline')), 'offline');
});
