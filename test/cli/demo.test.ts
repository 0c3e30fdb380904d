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

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
  }
});
