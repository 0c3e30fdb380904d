import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RouteConflictError, Router } from '../../src/gateway/router.ts';

function router(caseSensitive = true) {
  const r = new Router<string>({ caseSensitive });
  r.add('GET', '/users', 'listUsers');
  r.add('POST', '/users', 'createUser');
  r.add('GET', '/users/me', 'me');
  r.add('GET', '/users/{id}', 'getUser');
  r.add('DELETE', '/users/{id}', 'deleteUser');
  r.add('GET', '/users/{id}/orders/{orderId}', 'getOrder');
  r.add('GET', '/files/{name}.json', 'jsonFile');
  r.add('GET', '/files/{name}', 'file');
  r.add('GET', '/', 'root');
  return r;
}

describe('Router', () => {
  test('matches literal routes before parameters', () => {
    const m = router().match('GET', '/users/me');
    assert.deepEqual(m.kind === 'found' && m.route, 'me');
  });

  test('extracts parameters', () => {
    const m = router().match('GET', '/users/42/orders/7');
    assert.ok(m.kind === 'found');
    assert.equal(m.route, 'getOrder');
    assert.deepEqual({ ...m.params }, { id: '42', orderId: '7' });
  });

  test('matches parameters with a literal suffix, preferring the more specific template', () => {
    const a = router().match('GET', '/files/report.json');
    assert.ok(a.kind === 'found' && a.route === 'jsonFile' && a.params.name === 'report');
    const b = router().match('GET', '/files/report.csv');
    assert.ok(b.kind === 'found' && b.route === 'file' && b.params.name === 'report.csv');
  });

  test('an undeclared path is "none", a declared path with another method is "method" with Allow', () => {
    assert.equal(router().match('GET', '/admin').kind, 'none');
    assert.equal(router().match('GET', '/users/1/orders').kind, 'none');
    const m = router().match('PUT', '/users/1');
    assert.ok(m.kind === 'method');
    assert.deepEqual(m.allow, ['DELETE', 'GET']);
  });

  test('a parameter never matches an empty segment', () => {
    assert.equal(router().match('GET', '/users//orders/1').kind, 'none');
  });

  test('is case-sensitive by default and case-insensitive when asked', () => {
    assert.equal(router().match('GET', '/USERS').kind, 'none');
    const m = router(false).match('GET', '/USERS/ME');
    assert.ok(m.kind === 'found' && m.route === 'me');
  });

  test('prefix routes catch everything below them, declared routes still win', () => {
    const r = router();
    r.addPrefix('GET', '/legacy', 'legacy');
    r.addPrefix('GET', '/users', 'usersPassthrough');
    assert.ok(
      (() => {
        const m = r.match('GET', '/legacy/a/b');
        return m.kind === 'found' && m.route === 'legacy';
      })(),
    );
    assert.ok(
      (() => {
        const m = r.match('GET', '/users/1');
        return m.kind === 'found' && m.route === 'getUser';
      })(),
    );
    assert.ok(
      (() => {
        const m = r.match('GET', '/users/1/x/y');
        return m.kind === 'found' && m.route === 'usersPassthrough';
      })(),
    );
    assert.equal(r.match('POST', '/legacy/a').kind, 'none');
  });

  test('refuses duplicate and conflicting templates at build time', () => {
    const r = router();
    assert.throws(() => r.add('GET', '/users/{id}', 'again'), RouteConflictError);
    assert.throws(() => r.add('GET', '/users/{userId}/x', 'x'), RouteConflictError);
    assert.throws(() => r.add('GET', '/a/{b}{c}', 'x'), RouteConflictError);
    assert.throws(() => r.add('GET', 'nope', 'x'), RouteConflictError);
  });
});
