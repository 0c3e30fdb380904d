import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMetrics } from '../../src/platform/metrics.ts';
import { reportStateFailure } from '../../src/state/diagnostics.ts';
import { watchStateFailures } from '../../src/state/failure-watch.ts';
import { json, spawnCli } from '../helpers/cli.ts';
import { startUpstream, TEST_OPENAPI } from '../helpers/gateway.ts';

const event = (failureMode: 'fail-open' | 'fail-closed') => ({
  policy: 'ratelimit',
  route: 'test:GET /health',
  failureMode,
  error: 'shared state unavailable (ECONNREFUSED)',
});

describe('watchStateFailures', () => {
  test('counts every failure by mode and warns at most once per 10 s per mode', async () => {
    const metrics = createMetrics();
    const warnings: Record<string, unknown>[] = [];
    let clock = 1_000_000;
    const unwatch = watchStateFailures(
      { warn: (o) => warnings.push(o) },
      metrics.stateFailures,
      10_000,
      () => clock,
    );
    try {
      for (let i = 0; i < 50; i++) reportStateFailure(event('fail-open'));
      reportStateFailure(event('fail-closed'));
      assert.equal(warnings.length, 2, 'one warning per mode, not one per request');
      assert.equal(warnings[0]!.mode, 'fail-open');
      assert.match(String(warnings[0]!.msg), /fail-open/);
      assert.equal(warnings[1]!.mode, 'fail-closed');
      clock += 9_999;
      reportStateFailure(event('fail-open'));
      assert.equal(warnings.length, 2, 'still within 10 s');
      clock += 1;
      reportStateFailure(event('fail-open'));
      assert.equal(warnings.length, 3, 'a new warning once 10 s have passed');
      assert.equal(warnings[2]!.suppressed, 50, 'it says how many it held back');
      const text = await metrics.registry.metrics();
      assert.match(text, /^rampart_state_failures_total\{mode="fail-open"\} 52$/m);
      assert.match(text, /^rampart_state_failures_total\{mode="fail-closed"\} 1$/m);
    } finally {
      unwatch();
    }
    reportStateFailure(event('fail-open'));
    assert.equal(warnings.length, 3, 'nothing after unsubscribing');
    assert.match(await metrics.registry.metrics(), /mode="fail-open"\} 52$/m);
  });
});

describe('rampart gateway with Redis unreachable (fail-open)', () => {
  test('requests still pass; a warning is logged and rampart_state_failures_total counts them', async () => {
    // a port that refuses connections: bound, then closed
    const closed = await new Promise<number>((resolve) => {
      const s: Server = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const up = await startUpstream();
    const dir = await mkdtemp(join(tmpdir(), 'rampart-state-failure-'));
    await writeFile(join(dir, 'openapi.yaml'), TEST_OPENAPI);
    await writeFile(
      join(dir, 'rampart.yaml'),
      `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "${up.url}" }
apis:
  - name: test
    openapi: ./openapi.yaml
    upstream: app
    routes:
      health:
        rateLimit: { limit: 100, windowSeconds: 60, by: [ip], failureMode: fail-open }
state: { url: "redis://127.0.0.1:${closed}", timeoutMs: 100 }
log: { level: info, access: false }
`,
    );
    const p = spawnCli(['gateway', '--config', join(dir, 'rampart.yaml')]);
    try {
      const line = json(await p.waitFor((l) => json(l)?.msg === 'gateway listening', 15_000))!;
      const url = (line.listeners as string[])[0]!;
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${url}/v1/health`);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
      }
      const warn = json(await p.waitFor((l) => /fail-open/.test(String(json(l)?.msg ?? ''))))!;
      assert.equal(warn.mode, 'fail-open');
      const metrics = await fetch(`${line.admin as string}/metrics`);
      const text = await metrics.text();
      assert.match(text, /^rampart_state_failures_total\{mode="fail-open"\} 5$/m);
      assert.equal(p.stdout.filter((l) => /fail-open/.test(String(json(l)?.msg ?? ''))).length, 1);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
