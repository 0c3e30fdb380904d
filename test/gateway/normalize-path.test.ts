import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { normalizePath, normalizeTarget, type PathOptions } from '../../src/gateway/normalize-path.ts';

const opts: PathOptions = { trailingSlash: 'ignore', allowSemicolons: false, maxLength: 8192 };

function path(target: string, o: PathOptions = opts): string {
  const r = normalizeTarget(target, o);
  assert.ok(r.ok, `expected ${target} to normalize, got ${r.ok ? '' : r.code}`);
  return r.path;
}
function refused(target: string, o: PathOptions = opts): string {
  const r = normalizeTarget(target, o);
  assert.ok(!r.ok, `expected ${target} to be refused, got ${r.ok ? r.path : ''}`);
  return r.code;
}

describe('normalizeTarget', () => {
  test('resolves dot segments and empty segments', () => {
    assert.equal(path('/admin/../admin'), '/admin');
    assert.equal(path('/a/./b//c'), '/a/b/c');
    assert.equal(path('/a/b/../../c'), '/c');
    assert.equal(path('//admin'), '/admin');
    assert.equal(path('/'), '/');
  });

  test('decodes percent-encoded unreserved characters and upper-cases the rest', () => {
    assert.equal(path('/%61dmin'), '/admin');
    assert.equal(path('/%2e%2e/admin'.replace('/%2e%2e', '/x/%2e%2e')), '/admin');
    assert.equal(path('/a%20b'), '/a%20b');
    assert.equal(path('/a%3ab'), '/a%3Ab');
    assert.equal(path('/caf%C3%A9'), '/caf%C3%A9');
  });

  test('keeps the query string raw and apart', () => {
    const r = normalizeTarget('/a/../b?x=%2f&y=..', opts);
    assert.ok(r.ok);
    assert.equal(r.path, '/b');
    assert.equal(r.query, 'x=%2f&y=..');
  });

  test('refuses paths that escape the root', () => {
    assert.equal(refused('/..'), 'request.path.traversal');
    assert.equal(refused('/a/../../etc/passwd'), 'request.path.traversal');
    assert.equal(refused('/%2e%2e/etc/passwd'), 'request.path.traversal');
  });

  test('refuses encoded slash, backslash and NUL, in either case of hex', () => {
    assert.equal(refused('/admin%2f'), 'request.path.encoding');
    assert.equal(refused('/admin%2F..%2Fsecret'), 'request.path.encoding');
    assert.equal(refused('/a%5cb'), 'request.path.encoding');
    assert.equal(refused('/a\\b'), 'request.path.encoding');
    assert.equal(refused('/a%00b'), 'request.path.encoding');
  });

  test('refuses double encoding, bad escapes and invalid or overlong UTF-8', () => {
    assert.equal(refused('/%252e%252e/admin'), 'request.path.encoding');
    assert.equal(refused('/a%zz'), 'request.path.encoding');
    assert.equal(refused('/a%2'), 'request.path.encoding');
    assert.equal(refused('/%C0%AF'), 'request.path.encoding'); // overlong "/"
    assert.equal(refused('/%C3'), 'request.path.encoding'); // truncated sequence
    assert.equal(refused('/%ED%A0%80'), 'request.path.encoding'); // UTF-16 surrogate
  });

  test('refuses semicolons (matrix parameters) unless allowed', () => {
    assert.equal(refused('/admin;x=1'), 'request.path.invalid');
    assert.equal(refused('/admin%3bx=1'), 'request.path.invalid');
    assert.equal(path('/admin;x=1', { ...opts, allowSemicolons: true }), '/admin;x=1');
  });

  test('refuses raw characters outside the path grammar, fragments and over-long targets', () => {
    assert.equal(refused('/a b'), 'request.path.invalid');
    assert.equal(refused('/a"b'), 'request.path.invalid');
    assert.equal(refused('/a#b'), 'request.path.invalid');
    assert.equal(refused('/é'), 'request.path.invalid');
    assert.equal(refused(`/${'a'.repeat(100)}`, { ...opts, maxLength: 50 }), 'request.path.invalid');
    assert.equal(refused('*'), 'request.path.invalid');
  });

  test('accepts absolute-form targets, keeping only path and query', () => {
    assert.equal(path('http://example.com/a/../b?q'), '/b');
    assert.equal(path('https://example.com'), '/');
  });

  test('trailing slash: ignore strips it, strict keeps it, redirect asks for the canonical form', () => {
    assert.equal(path('/users/'), '/users');
    assert.equal(path('/users/', { ...opts, trailingSlash: 'strict' }), '/users/');
    const r = normalizeTarget('/users/', { ...opts, trailingSlash: 'redirect' });
    assert.ok(r.ok && r.redirect && r.path === '/users');
    const same = normalizeTarget('/users', { ...opts, trailingSlash: 'redirect' });
    assert.ok(same.ok && !same.redirect);
  });

  test('property: the result is canonical (normalizing it again changes nothing)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('a', 'B', '.', '..', '', '%41', '%2e', '%20', '~', '%7E', 'x%3Ay', '%C3%A9'),
          {
            maxLength: 12,
          },
        ),
        (segs) => {
          const r = normalizeTarget(`/${segs.join('/')}`, opts);
          if (!r.ok) return;
          const again = normalizeTarget(r.path, opts);
          assert.ok(again.ok);
          assert.equal(again.path, r.path);
          assert.ok(!r.path.split('/').includes('..'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('property: the canonical-path fast path answers exactly as the full pass', () => {
    const modes: PathOptions[] = [
      opts,
      { ...opts, trailingSlash: 'strict' },
      { ...opts, trailingSlash: 'redirect', allowSemicolons: true },
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('a', 'Zz', '.', '..', '', '...', '.a', 'a.', '~', '%41', ';', '@:', 'é', '\\'),
          {
            maxLength: 8,
          },
        ),
        fc.constantFrom(0, 1, 2),
        (segs, m) => {
          const o = modes[m]!;
          const raw = `/${segs.join('/')}`;
          assert.deepEqual(normalizeTarget(`${raw}?q=1`, o), normalizePath(raw, 'q=1', o));
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('property: no input throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => {
        normalizeTarget(`/${s}`, opts);
      }),
      { numRuns: 3000 },
    );
  });
});
