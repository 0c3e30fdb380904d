import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAdminLike, routeWords } from '../../../src/platform/anomaly/admin-routes.ts';
import { rec } from './fixtures.ts';
import { oneDetector } from './harness.ts';

const WORDS = ['admin', 'internal', 'debug', 'root'];

test('route words: camelCase and separators split; a word prefix matches', () => {
  assert.deepEqual(routeWords('deleteUserByAdmin'), ['delete', 'user', 'by', 'admin']);
  assert.deepEqual(routeWords('/api/v1/admin-tools/{id}'), ['api', 'v1', 'admin', 'tools', 'id']);
  assert.equal(isAdminLike('/api/v1/administrators', WORDS), true);
  assert.equal(isAdminLike('getInternalStats', WORDS), true);
  assert.equal(isAdminLike('/api/v1/products/groot', WORDS), false, 'a word inside another is not it');
  assert.equal(isAdminLike('/api/v1/orders/{id}', WORDS), false);
});

const call = (route: string, path: string, status: number) => rec({ consumer: 'eve', route, path, status });

test('a refused first call to an admin-like route after warm-up fires', () => {
  const { e, logger } = oneDetector('adminRoutes', { warmupRequests: 5 });
  for (let i = 0; i < 5; i++) e.onRecord(call('listOrders', '/v1/orders', 200));
  e.onRecord(call('deleteUser', '/v1/admin/users/3', 403));
  assert.equal(e.detections.adminRoutes, 1);
  assert.match(String(logger.lines.find((l) => l.code === 'anomaly.admin_routes')?.evidence), /t:deleteUser/);
});

test('habits from the warm-up, successful calls (by default) and anonymous callers do not fire', () => {
  const { e } = oneDetector('adminRoutes', { warmupRequests: 3 });
  // an admin who uses the admin route from the start: it is a habit
  e.onRecord(rec({ consumer: 'root', route: 'deleteUser', path: '/v1/admin/users/1', status: 200 }));
  for (let i = 0; i < 10; i++)
    e.onRecord(rec({ consumer: 'root', route: 'deleteUser', path: '/v1/admin/users/1', status: 403 }));
  // a warmed-up consumer whose first admin call succeeds
  for (let i = 0; i < 5; i++) e.onRecord(call('listOrders', '/v1/orders', 200));
  e.onRecord(call('getDebugInfo', '/v1/debug', 200));
  // anonymous
  for (let i = 0; i < 5; i++)
    e.onRecord(rec({ route: 'deleteUser', path: '/v1/admin/users/1', status: 401 }));
  assert.equal(e.detections.adminRoutes, 0);
});

test('refusedOnly: false fires on a successful first call too', () => {
  const { e } = oneDetector('adminRoutes', { warmupRequests: 1, refusedOnly: false });
  e.onRecord(call('listOrders', '/v1/orders', 200));
  e.onRecord(call('listOrders', '/v1/orders', 200));
  e.onRecord(call('getDebugInfo', '/v1/debug', 200));
  assert.equal(e.detections.adminRoutes, 1);
});
