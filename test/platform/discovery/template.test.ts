import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  classifySegment,
  templateSegments,
  templateString,
} from '../../../src/platform/discovery/template.ts';

test('segments that are values are classified by kind; names stay names', () => {
  assert.equal(classifySegment('12345'), 'id');
  assert.equal(classifySegment('3fa85f64-5717-4562-b3fc-2c963f66afa6'), 'uuid');
  assert.equal(classifySegment('9f86d081884c7d659a2feaa0c55ad015'), 'hex');
  assert.equal(classifySegment('dGhpcyBpcyBhIHRva2VuMTIz'), 'token');
  assert.equal(classifySegment('aB3_xY9-kL2mN8pQ4rS6'), 'token');
  assert.equal(classifySegment('2024-03-01'), 'date');
  assert.equal(classifySegment('alice@example.com'), 'email');
  for (const name of [
    'users',
    'configuration',
    'v1',
    'api',
    'deadbeef',
    'me',
    'AuthenticationService',
    'x@y',
  ]) {
    assert.equal(classifySegment(name), null, name);
  }
});

test('paths become OpenAPI templates with parameter names from the segment before', () => {
  const t = (p: string) => templateString(templateSegments(p));
  assert.equal(t('/api/v1/users/42'), '/api/v1/users/{userId}');
  assert.equal(
    t('/users/42/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6?x=1'),
    '/users/{userId}/orders/{orderId}',
  );
  assert.equal(t('/reports/2024-03-01'), '/reports/{reportDate}');
  assert.equal(t('/by-email/alice%40example.com'), '/by-email/{byEmailEmail}');
  assert.equal(t('/7/8'), '/{id}/{id2}');
  assert.equal(t('/'), '/');
});

test('classification never throws on arbitrary, long or adversarial segments', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 600 }), (s) => {
      const k = classifySegment(s);
      assert.ok(k === null || typeof k === 'string');
      templateString(templateSegments(`/${s}/${s}`));
    }),
  );
  assert.equal(classifySegment('a@'.repeat(5000)), 'token', 'past MAX_SEGMENT a segment is a value');
  assert.equal(classifySegment(`${'1'.repeat(200)}x`), null);
});
