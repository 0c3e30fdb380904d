import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { request } from 'undici';
import { BIN, json, spawnCli } from '../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI, type TestUpstream } from '../helpers/gateway.ts';

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rampart CLI', () => {
  let dir = '';
  let up: TestUpstream;
  let config = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-cli-'));
    up = await startUpstream();
    await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
    config = join(dir, 'rampart.yaml');
    await writeFile(
      config,
      `listeners:\n  - { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nupstreams:\n  app:\n    url: ${up.url}\napis:\n  - name: t\n    openapi: ./openapi.yaml\n    upstream: app\n`,
    );
  });
  after(async () => {
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('--help on the binary and on every command, exit 0; an unknown command exits 2', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Commands:[\s\S]*gateway[\s\S]*validate-config[\s\S]*demo/);
    for (const c of ['gateway', 'validate-config', 'keys', 'audit', 'secrets', 'demo']) {
      const h = await cli([c, '--help']);
      assert.equal(h.code, 0, c);
      assert.match(h.stdout, /Usage: rampart/);
      assert.match(h.stdout, /Exit codes/);
    }
    const bad = await cli(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
    const badOpt = await cli(['gateway', '--nope']);
    assert.equal(badOpt.code, 2);
    assert.match(badOpt.stderr, /Unknown option '--nope'/);
  });

  test('validate-config prints the compiled route table', async () => {
    const r = await cli(['validate-config', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid, 6 routes/);
    assert.match(r.stdout, /GET\s+\/v1\/users\/\{id\}\s+t\s+getUser\s+required\s+enforce/);
    assert.match(r.stdout, /GET\s+\/v1\/health\s+t\s+health\s+public/);
    assert.match(
      r.stderr,
      /warning: 3 operation\(s\) declare a security requirement but no authenticator is configured/,
    );
  });

  test('validate-config names file:line:column of a bad config and exits 2', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      (await readFile(config, 'utf8')).replace('upstream: app', 'upstream: app\n    rotues: {}'),
    );
    const r = await cli(['validate-config', '--config', bad]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `${bad.replaceAll('/', '\\/')}:11:5: apis\\.0\\.rotues: unknown key "rotues" \\(hint: did you mean "routes"\\?\\)`,
      ),
    );
  });

  test('validate-config reports a broken OpenAPI document with its location', async () => {
    const broken = join(dir, 'broken');
    await rm(broken, { recursive: true, force: true });
    await run('mkdir', ['-p', broken]);
    await writeFile(
      join(broken, 'openapi.yaml'),
      TEST_OPENAPI.replace('$ref', '$ref').replace(
        '  /admin:\n    get:',
        "  /admin:\n    get:\n      requestBody: { $ref: '#/components/requestBodies/Missing' }",
      ),
    );
    await writeFile(join(broken, 'rampart.yaml'), await readFile(config, 'utf8'));
    const r = await cli(['validate-config', '--config', join(broken, 'rampart.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /openapi\.yaml:\d+:\d+/);
    assert.match(r.stderr, /Missing/);
  });

  test('SIGHUP with an invalid new config keeps the old one serving; SIGTERM drains and exits 0', async () => {
    const file = join(dir, 'live.yaml');
    await writeFile(file, await readFile(config, 'utf8'));
    const p = spawnCli(['gateway', '--config', file]);
    try {
      const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!;
      const url = (line.listeners as string[])[0]!;
      assert.equal((await request(`${url}/v1/health`)).statusCode, 200);

      await writeFile(file, 'listeners: [oops');
      p.child.kill('SIGHUP');
      const failed = json(
        await p.waitFor((l) => json(l)?.msg === 'config reload failed; the running config keeps serving'),
      )!;
      assert.match(String(failed.error), /live\.yaml:1:/);
      const still = await request(`${url}/v1/health`);
      assert.equal(still.statusCode, 200);
      await still.body.dump();

      up.handler = (_req, res) => setTimeout(() => res.end('finished'), 400);
      const seenBefore = up.seen.length;
      const inFlight = request(`${url}/v1/health`);
      for (let i = 0; i < 500 && up.seen.length === seenBefore; i++)
        await new Promise((r) => setTimeout(r, 10));
      p.child.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(await res.body.text(), 'finished');
      assert.equal(await p.exited, 0);
    } finally {
      up.handler = (_req, res) => res.end('{}');
      p.child.kill('SIGKILL');
    }
  });

  test('--watch reloads when the OpenAPI document changes', async () => {
    const wdir = await mkdtemp(join(tmpdir(), 'rampart-watch-'));
    await writeFile(join(wdir, 'openapi.yaml'), TEST_OPENAPI);
    await writeFile(join(wdir, 'rampart.yaml'), await readFile(config, 'utf8'));
    const p = spawnCli(['gateway', '--config', join(wdir, 'rampart.yaml'), '--watch']);
    try {
      const url = (
        json(await p.waitFor((l) => json(l)?.msg === 'gateway listening'))!.listeners as string[]
      )[0]!;
      assert.equal((await request(`${url}/v1/reports`)).statusCode, 404);
      await writeFile(
        join(wdir, 'openapi.yaml'),
        TEST_OPENAPI.replace(
          'paths:\n',
          "paths:\n  /reports:\n    get:\n      security: []\n      responses: { '200': { description: ok } }\n",
        ),
      );
      await p.waitFor((l) => json(l)?.msg === 'config reloaded');
      const res = await request(`${url}/v1/reports`);
      assert.equal(res.statusCode, 200);
      await res.body.dump();
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    } finally {
      p.child.kill('SIGKILL');
      await rm(wdir, { recursive: true, force: true });
    }
  });

  test('--workers 2 runs two processes on one port, metrics aggregated by the primary', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const adminPort = port + 1;
    const file = join(dir, 'workers.yaml');
    await writeFile(
      file,
      (await readFile(config, 'utf8'))
        .replace(
          'listeners:\n  - { host: 127.0.0.1, port: 0 }',
          `listeners:\n  - { host: 127.0.0.1, port: ${port} }`,
        )
        .replace('admin: { host: 127.0.0.1, port: 0 }', `admin: { host: 127.0.0.1, port: ${adminPort} }`),
    );
    const p = spawnCli(['gateway', '--config', file, '--workers', '2']);
    try {
      let listening = 0;
      await p.waitFor((l) => json(l)?.msg === 'gateway listening' && ++listening === 2);
      const pids = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const res = await request(`http://127.0.0.1:${port}/v1/health`, { reset: true });
        assert.equal(res.statusCode, 200);
        await res.body.dump();
      }
      for (const l of p.stdout) {
        const j = json(l);
        if (j?.msg === 'gateway listening') pids.add(j.pid as number);
      }
      assert.equal(pids.size, 2);
      let ready = 0;
      for (let i = 0; i < 50 && ready !== 200; i++) {
        ready = (await request(`http://127.0.0.1:${adminPort}/readyz`)).statusCode;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ready, 200);
      const metrics = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
      const m = /rampart_requests_total\{api="t",route="health",status="200",decision="allow"\} (\d+)/.exec(
        metrics,
      );
      assert.equal(m?.[1], '20');
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});
