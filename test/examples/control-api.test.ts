// The same attacks as demo-api.test.ts, refused by the control API; and its own protections.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type ControlApi,
  type ControlApiOptions,
  startControlApi,
} from '../../examples/control-api/server.ts';
import { signJwt } from '../../examples/demo-api/lib/jwt.ts';
import { call, jwtClaims, loginAs, startCanary, tempDb } from './helpers.ts';

/** Run fn against a fresh control API on 127.0.0.1:0 with its own temp SQLite file. */
async function withControl(
  fn: (api: ControlApi, base: string) => Promise<void>,
  options: ControlApiOptions = {},
): Promise<void> {
  const db = await tempDb();
  const api = await startControlApi({ host: '127.0.0.1', port: 0, dbFile: db.file, quiet: true, ...options });
  try {
    await fn(api, `${api.url}/api/v1`);
  } finally {
    await api.close();
    await db.cleanup();
  }
}

function assertProblem(
  res: { status: number; headers: Headers; json: unknown; text: string },
  status: number,
): void {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.doesNotMatch(res.text, /stack|\n\s+at |SQLITE|Error:/);
}

describe('control API (the demo done right)', () => {
  test('health is public; no banners; security and rate-limit headers on every response', () =>
    withControl(async (api, base) => {
      assert.equal(api.url, `http://127.0.0.1:${api.port}`);
      const res = await call(`${base}/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { status: 'ok' });
      assert.equal(res.headers.get('server'), null);
      assert.equal(res.headers.get('x-powered-by'), null);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('ratelimit-limit'), '120');
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    }));

  test('login failures look the same for unknown users and wrong passwords', () =>
    withControl(async (_api, base) => {
      const unknown = await call(`${base}/auth/login`, {
        method: 'POST',
        body: { username: 'zed', password: 'x' },
      });
      const wrong = await call(`${base}/auth/login`, {
        method: 'POST',
        body: { username: 'alice', password: 'x' },
      });
      assertProblem(unknown, 401);
      assertProblem(wrong, 401);
      const { request_id: _a, ...u } = unknown.json;
      const { request_id: _b, ...w } = wrong.json;
      assert.deepEqual(u, w);
      assert.equal(u.code, 'auth.failed');
    }));

  test('failed logins are limited per username: 429 even for the right password afterwards', () =>
    withControl(
      async (_api, base) => {
        for (let i = 0; i < 3; i++) {
          const res = await call(`${base}/auth/login`, {
            method: 'POST',
            body: { username: 'bob', password: `guess-${i}` },
          });
          assertProblem(res, 401);
        }
        const locked = await call(`${base}/auth/login`, {
          method: 'POST',
          body: { username: 'bob', password: 'bob123' },
        });
        assertProblem(locked, 429);
        assert.equal(locked.json.code, 'ratelimit.exceeded');
        assert.match(locked.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
        // Another user is not locked out by bob's failures.
        await loginAs(base, 'alice', 'alice123');
      },
      { loginLimit: { maxFailures: 3, windowMs: 60_000 } },
    ));

  test('tokens forged with the demo secret, with alg none, or with no token at all are refused', () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const sub = jwtClaims(alice).sub as string;
      const iat = Math.floor(Date.now() / 1000);
      const forged = signJwt({ sub, username: 'alice', role: 'admin', iat, exp: iat + 60 }, 'secret123');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${alice.split('.')[1]}.`;
      for (const token of [forged, none, `${alice.slice(0, -2)}xx`]) {
        assertProblem(await call(`${base}/users/${sub}`, { token }), 401);
      }
      const missing = await call(`${base}/users/${sub}`);
      assertProblem(missing, 401);
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await call(`${base}/users/${sub}`, { token: alice })).status, 200);
    }));

  test("API1 + API3: another user's profile is not found; your own leaks no hash, email or role", () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const bob = await loginAs(base, 'bob', 'bob123');
      const bobId = jwtClaims(bob).sub as string;
      assertProblem(await call(`${base}/users/${bobId}`, { token: alice }), 404);
      const own = await call(`${base}/users/${jwtClaims(alice).sub}`, { token: alice });
      assert.equal(own.status, 200);
      assert.deepEqual(Object.keys(own.json).sort(), ['display_name', 'id', 'username']);
      assert.doesNotMatch(own.text, /scrypt|@example\.com/);
      // An administrator may read anyone, still without the private fields.
      const admin = await loginAs(base, 'admin', 'admin123');
      const read = await call(`${base}/users/${bobId}`, { token: admin });
      assert.equal(read.status, 200);
      assert.deepEqual(Object.keys(read.json).sort(), ['display_name', 'id', 'username']);
    }));

  test('API3: mass assignment of role is refused and does not stick; other users cannot be updated', () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const aliceId = jwtClaims(alice).sub as string;
      const bobId = jwtClaims(await loginAs(base, 'bob', 'bob123')).sub as string;
      const mass = await call(`${base}/users/${aliceId}`, {
        method: 'PATCH',
        token: alice,
        body: { display_name: 'Alice', role: 'admin' },
      });
      assertProblem(mass, 400);
      assert.equal(jwtClaims(await loginAs(base, 'alice', 'alice123')).role, 'user');
      assertProblem(await call(`${base}/admin/users/${bobId}`, { method: 'DELETE', token: alice }), 403);
      const other = await call(`${base}/users/${bobId}`, {
        method: 'PATCH',
        token: alice,
        body: { display_name: 'pwned' },
      });
      assertProblem(other, 404);
      const ok = await call(`${base}/users/${aliceId}`, {
        method: 'PATCH',
        token: alice,
        body: { display_name: 'Alice L.' },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.display_name, 'Alice L.');
    }));

  test("API1 + API3: another user's order is not found; your own shows only the last four card digits", () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const bob = await loginAs(base, 'bob', 'bob123');
      const bobOrders = await call(`${base}/orders`, { token: bob });
      assert.equal(bobOrders.status, 200);
      assert.equal(bobOrders.json.items.length, 2);
      const bobOrderId = bobOrders.json.items[0].id as string;
      assertProblem(await call(`${base}/orders/${bobOrderId}`, { token: alice }), 404);
      const own = await call(`${base}/orders/${bobOrderId}`, { token: bob });
      assert.equal(own.status, 200);
      assert.equal(own.json.payment_last4, '4444');
      assert.equal(own.json.card_number, undefined);
      assert.doesNotMatch(own.text, /[0-9]{12}/);
    }));

  test('API4: the orders page size is bounded to 1..100', () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      for (const limit of ['1000000', '101', '0', '-1', 'abc']) {
        const res = await call(`${base}/orders?limit=${limit}`, { token: alice });
        assertProblem(res, 400);
        assert.equal(res.json.code, 'request.invalid');
      }
      const page = await call(`${base}/orders?limit=100`, { token: alice });
      assert.equal(page.status, 200);
      assert.equal(page.json.items.length, 3);
    }));

  test("injection: ' OR 1=1-- is matched as text and finds nothing; hidden products never show", () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const all = await call(`${base}/products/search?q=`, { token: alice });
      assert.equal(all.status, 200);
      assert.equal(all.json.items.length, 6);
      for (const q of [
        "' OR 1=1--",
        "zzz' UNION SELECT id, username, password_hash, 0 FROM users--",
        '%',
        "'",
      ]) {
        const res = await call(`${base}/products/search?q=${encodeURIComponent(q)}`, { token: alice });
        assert.equal(res.status, 200, q);
        assert.deepEqual(res.json.items, [], q);
      }
      assertProblem(await call(`${base}/products/search?q=${'a'.repeat(65)}`, { token: alice }), 400);
    }));

  test('API7: fetch-preview refuses a local listener that is not allowlisted, and never contacts it', () =>
    withControl(async (_api, base) => {
      const canary = await startCanary();
      try {
        const alice = await loginAs(base, 'alice', 'alice123');
        for (const url of [
          canary.url,
          'http://169.254.169.254/latest/meta-data/',
          'file:///etc/passwd',
          'nonsense',
        ]) {
          const res = await call(`${base}/fetch-preview`, { method: 'POST', token: alice, body: { url } });
          assertProblem(res, url === 'nonsense' ? 400 : 403);
        }
        assert.deepEqual(canary.hits, []);
      } finally {
        await canary.close();
      }
    }));

  test('API7: an allowlisted origin is fetched, and a redirect off it is refused', async () => {
    const canary = await startCanary();
    const redirector = await startCanary('http://169.254.169.254/');
    try {
      const allow = [new URL(canary.url).origin, new URL(redirector.url).origin];
      await withControl(
        async (_api, base) => {
          const alice = await loginAs(base, 'alice', 'alice123');
          const ok = await call(`${base}/fetch-preview`, {
            method: 'POST',
            token: alice,
            body: { url: canary.url },
          });
          assert.equal(ok.status, 200);
          assert.equal(ok.json.body, `${canary.secret}\n`);
          const redirected = await call(`${base}/fetch-preview`, {
            method: 'POST',
            token: alice,
            body: { url: redirector.url },
          });
          assertProblem(redirected, 502);
          assert.equal(redirector.hits.length, 1);
        },
        { fetchAllowlist: allow },
      );
    } finally {
      await canary.close();
      await redirector.close();
    }
  });

  test('API5: the admin delete needs the admin role', () =>
    withControl(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const bob = await loginAs(base, 'bob', 'bob123');
      const bobId = jwtClaims(bob).sub as string;
      const refused = await call(`${base}/admin/users/${bobId}`, { method: 'DELETE', token: alice });
      assertProblem(refused, 403);
      assert.equal(refused.json.code, 'authz.forbidden');
      assert.equal((await call(`${base}/orders`, { token: bob })).status, 200);
      const admin = await loginAs(base, 'admin', 'admin123');
      const done = await call(`${base}/admin/users/${bobId}`, { method: 'DELETE', token: admin });
      assert.equal(done.status, 204);
      // Bob's still-unexpired token stops working at once: the user is looked up on every request.
      assertProblem(await call(`${base}/orders`, { token: bob }), 401);
    }));

  test('API8: errors are generic problem+json with a request id and no stack; 404 and 405 with Allow', () =>
    withControl(async (_api, base) => {
      const missing = await call(`${base}/nowhere`);
      assertProblem(missing, 404);
      assert.equal(missing.json.code, 'route.not_found');
      assert.equal(missing.json.request_id, missing.headers.get('x-request-id'));
      const trace = await call(`${base}/health`, { method: 'DELETE' });
      assertProblem(trace, 405);
      assert.equal(trace.headers.get('allow'), 'GET');
      const badJson = await call(`${base}/auth/login`, { method: 'POST', body: '{"username":' });
      assertProblem(badJson, 400);
      const badType = await call(`${base}/auth/login`, {
        method: 'POST',
        body: '{"username":"alice","password":"alice123"}',
        contentType: 'text/plain',
      });
      assertProblem(badType, 415);
      const alice = await loginAs(base, 'alice', 'alice123');
      assertProblem(await call(`${base}/users/1`, { token: alice }), 400);
      const big = await call(`${base}/fetch-preview`, {
        method: 'POST',
        token: alice,
        body: 'x'.repeat(17 * 1024),
      });
      assertProblem(big, 413);
    }));

  test('API4: requests over the per-client rate limit get 429 with RateLimit headers', () =>
    withControl(
      async (_api, base) => {
        const seen: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await call(`${base}/health`);
          seen.push(res.status);
          assert.equal(res.headers.get('ratelimit-remaining'), String(Math.max(0, 3 - i)));
        }
        assert.deepEqual(seen, [200, 200, 200, 200, 429]);
      },
      { rateLimit: { limit: 4, windowMs: 60_000 } },
    ));

  test('a JWT secret shorter than 32 bytes is refused at start', async () => {
    await assert.rejects(startControlApi({ jwtSecret: 'secret123', quiet: true }), /at least 32 bytes/);
  });
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('control API serves HTTPS with HSTS when given a certificate', {
  skip: !haveOpenssl() && 'no openssl',
}, async () => {
  const db = await tempDb();
  const dir = join(db.file, '..');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  const cert = await readFile(certFile);
  const api = await startControlApi({
    dbFile: db.file,
    quiet: true,
    tls: { cert, key: await readFile(keyFile) },
  });
  try {
    assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const { status, hsts, body } = await new Promise<{ status: number; hsts: string; body: string }>(
      (resolve, reject) => {
        const req = request(`${api.url}/api/v1/health`, { ca: cert }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              hsts: String(res.headers['strict-transport-security']),
              body: text,
            }),
          );
        });
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(status, 200);
    assert.match(hsts, /^max-age=\d+/);
    assert.deepEqual(JSON.parse(body), { status: 'ok' });
  } finally {
    await api.close();
    await db.cleanup();
  }
});
