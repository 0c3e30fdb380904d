import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findLeak, findLeakInJson } from '../../src/response/leaks.ts';

describe('leaks in error bodies', () => {
  const leaking: [string, string, string][] = [
    [
      'node stack',
      'Error: boom\n    at Object.run (/srv/app/server.js:12:5)\n    at handle (node:internal/x:1:2)',
      'stack',
    ],
    ['java stack', 'java.lang.NullPointerException\n\tat com.shop.Orders.get(Orders.java:42)', 'stack'],
    ['.NET stack', '   at Shop.Orders.Get() in C:\\src\\Orders.cs:line 42', 'stack'],
    [
      'python traceback',
      'Traceback (most recent call last):\n  File "/app/views.py", line 3, in get',
      'stack',
    ],
    ['php fatal', 'Fatal error: Uncaught Exception in /var/www/html/index.php on line 12', 'stack'],
    ['ruby frame', "app/models/order.rb:12:in `find'", 'stack'],
    ['go panic', 'panic: runtime error\n\ngoroutine 1 [running]:', 'stack'],
    ['sqlite', 'SQLITE_ERROR: near "Brien": syntax error', 'sql'],
    ['mysql', "You have an error in your SQL syntax; check the manual near ''' at line 1", 'sql'],
    ['postgres', 'ERROR: syntax error at or near "FROM"', 'sql'],
    ['oracle', 'ORA-00933: SQL command not properly ended', 'sql'],
    ['statement', "SELECT id, name FROM products WHERE name LIKE '%x%'", 'sql'],
    ['unix path', 'cannot open /home/deploy/app/config/settings.yaml', 'path'],
    ['source file', 'failed in /lib/handlers/orders.ts:12', 'path'],
    ['windows path', 'C:\\inetpub\\wwwroot\\web.config not found', 'path'],
    ['apache banner', '<address>Apache/2.4.41 (Ubuntu) Server at example.com Port 80</address>', 'banner'],
    ['spring', 'Whitelabel Error Page', 'banner'],
    ['node_modules', 'at /x/node_modules/express/lib/router.js', 'path'],
  ];
  for (const [name, text, kind] of leaking) {
    test(`found: ${name}`, () => assert.equal(findLeak(text)?.kind, kind, text));
  }

  const clean = [
    'User not found',
    'Cannot GET /api/v1/orders/x',
    'Invalid limit: abc',
    'the field "email" must be an e-mail address',
    'Please select a product from the list',
    'see https://docs.example.com/errors/42',
    'Rate limit exceeded, retry at 12:30',
    'Missing or invalid bearer token',
  ];
  for (const text of clean) test(`clean: ${text}`, () => assert.equal(findLeak(text), null));

  test('JSON: strings at any depth, keys too', () => {
    assert.equal(findLeakInJson({ error: 'x', detail: { trace: ['ok', 'SQLSTATE[42000]'] } })?.kind, 'sql');
    assert.equal(findLeakInJson({ error: 'User not found', code: 404 }), null);
  });

  test('a long line without leaks is scanned in linear time (no pathological input)', () => {
    const text = `${'at '.repeat(50_000)}${'/a'.repeat(50_000)}`;
    const t = findLeak(text);
    assert.ok(t === null || typeof t.kind === 'string');
  });
});
