import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { json, spawnCli } from '../helpers/cli.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
const PEPPER = 'pepper-for-tests-0123456789-abcdefghijkl';

test('--workers 2: the primary serves the admin API; a key it issues works in the workers and its revocation holds', async () => {
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const dir = await mkdtemp(join(tmpdir(), 'rampart-admin-cluster-'));
  await writeFile(
    join(dir, 'openapi.yaml'),
    `openapi: 3.1.0
info: { title: t, version: '1' }
security: [{ key: [] }]
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /things:
    get:
      operationId: things
      responses: { '200': { description: ok } }
`,
  );
  await writeFile(
    join(dir, 'rampart.yaml'),
    `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, tokens: ["\${ADMIN_TOKEN}"] }
upstreams:
  app: { url: http://127.0.0.1:${(upstream.address() as AddressInfo).port} }
apis:
  - name: t
    openapi: ./openapi.yaml
    upstream: app
auth:
  pepper: \${PEPPER}
  store: ./keys.db
  keyCacheTtlMs: 0
  apiKeys:
    key: { header: x-api-key }
`,
  );
  const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml'), '--workers', '2'], {
    PEPPER,
    ADMIN_TOKEN: TOKEN,
  });
  try {
    const primary = json(await p.waitFor((l) => json(l)?.msg === 'primary started'));
    const admin = primary?.admin as string;
    let listening = 0;
    const worker = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening' && ++listening === 2));
    const url = (worker!.listeners as string[])[0]!;
    const auth = { authorization: `Bearer ${TOKEN}` };

    let res = await fetch(`${admin}/api/keys`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ consumer: 'acme' }),
    });
    assert.equal(res.status, 201);
    const { id, key } = (await res.json()) as { id: string; key: string };
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${url}/things`, { headers: { 'x-api-key': key } });
      assert.equal(r.status, 200);
      await r.text();
    }
    res = await fetch(`${admin}/api/keys/${id}/revoke`, { method: 'POST', headers: auth });
    assert.equal(res.status, 200);
    await res.text();
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${url}/things`, { headers: { 'x-api-key': key } });
      assert.equal(r.status, 401);
      await r.text();
    }
    // nothing the primary or the workers logged carries the key or the token
    const out = [...p.stdout, ...p.stderr].join('\n');
    assert.ok(out.includes(id));
    assert.ok(!out.includes(key));
    assert.ok(!out.includes(TOKEN));
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
    await new Promise<void>((r) => upstream.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
});
