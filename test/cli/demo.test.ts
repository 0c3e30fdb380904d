import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { spawnCli } from '../helpers/cli.ts';

test('rampart demo starts the demo API and the gateway, prints both, and stops cleanly on SIGTERM', async () => {
  const p = spawnCli(['demo', '--port', '0', '--admin-port', '0']);
  try {
    const gwLine = await p.waitFor((l) => l.includes('gateway (protected):'), 30_000);
    const apiLine = await p.waitFor((l) => l.includes('demo API (vulnerable, direct):'));
    const gateway = gwLine.split(/\s+/).pop()!;
    const api = apiLine.split(/\s+/).pop()!;
    await p.waitFor((l) => l.includes('curl'));

    const health = await request(`${gateway}/api/v1/health`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();

    // undeclared routes are refused by the gateway; the demo API itself answers what it likes
    const viaGateway = await request(`${gateway}/api/v1/debug`);
    assert.equal(viaGateway.statusCode, 404);
    assert.equal(((await viaGateway.body.json()) as { code: string }).code, 'route.undeclared');
    const encoded = await request(`${gateway}/api/v1/health/..%2f..%2fetc`);
    assert.equal(encoded.statusCode, 400);
    await encoded.body.dump();

    const direct = await request(`${api}/api/v1/health`);
    assert.equal(direct.statusCode, 200);
    assert.ok(direct.headers.server !== undefined, 'the demo API shows its banner directly');
    await direct.body.dump();
    const proxied = await request(`${gateway}/api/v1/health`);
    assert.equal(proxied.headers.server, undefined, 'and the gateway removes it');
    assert.equal(proxied.headers['x-powered-by'], undefined);
    await proxied.body.dump();

    // the dashboard and its API, with the token printed at start; the refusal above is an event
    const dashboard = (await p.waitFor((l) => l.includes('dashboard:'))).split(/\s+/).pop()!;
    const token = (await p.waitFor((l) => l.includes('dashboard admin token:'))).split(/\s+/).pop()!;
    assert.match(dashboard, /^http:\/\/localhost:\d+\/$/);
    const page = await request(dashboard);
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    await page.body.dump();
    const events = async () => {
      const r = await request(`${dashboard}api/events?category=route`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(r.statusCode, 200);
      return ((await r.body.json()) as { events: { code: string; evidence: string | null }[] }).events;
    };
    let seen = await events();
    for (let i = 0; i < 50 && seen.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await events();
    }
    assert.ok(
      seen.some((e) => e.code === 'route.undeclared'),
      JSON.stringify(seen),
    );
    // evidence is stored encrypted under the demo's data-at-rest key and reads back through the API
    const login = await request(`${gateway}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice123' }),
    });
    const jwt = ((await login.body.json()) as { token: string }).token;
    const sqli = await request(`${gateway}/api/v1/products/search?q=${encodeURIComponent("' OR 1=1--")}`, {
      headers: { authorization: `Bearer ${jwt}` },
    });
    assert.equal(sqli.statusCode, 403);
    await sqli.body.dump();
    let inject: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && inject.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await request(`${dashboard}api/events?category=inject`, {
        headers: { authorization: `Bearer ${token}` },
      });
      inject = ((await r.body.json()) as { events: Record<string, unknown>[] }).events;
    }
    assert.equal(inject[0]?.code, 'inject.sqli');
    assert.equal(typeof inject[0]?.evidence, 'string');
    assert.equal(inject[0]?.evidenceUnreadable, undefined);
    const wrong = await request(`${dashboard}api/events`, {
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    });
    assert.equal(wrong.statusCode, 401);
    await wrong.body.dump();

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
  }
});
