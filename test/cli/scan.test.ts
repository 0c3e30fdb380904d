import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { EXIT } from '../../src/cli/command.ts';
import { main } from '../../src/cli/main.ts';

const root = new URL('../../', import.meta.url).pathname;

async function run(argv: string[], cwd = root) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(['scan', ...argv], { stdout, stderr, cwd, env: {} });
  return { code, out, err };
}

const DEMO = [
  '--spec',
  'examples/demo-api/openapi.yaml',
  '--config',
  'examples/scan-demo.yaml',
  '--rate',
  '1000',
  '--quiet',
];
const CONTROL = [
  '--spec',
  'examples/control-api/openapi.yaml',
  '--config',
  'examples/scan-control.yaml',
  '--rate',
  '1000',
  '--quiet',
];

describe('rampart scan', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-scan-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is listed in rampart --help', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    await main(['--help'], { stdout, stderr: new PassThrough(), cwd: root, env: {} });
    assert.match(out, /\n {2}scan\s+test a running API/);
  });

  it('--dry-run prints the plan, skips destructive tests without --allow-destructive, sends nothing', async () => {
    const r = await run([...DEMO, '--target', 'http://127.0.0.1:9', '--dry-run']);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.match(r.out, /dry run: nothing is sent/);
    assert.match(r.out, /skip {2}bfla\s+DELETE \/api\/v1\/admin\/users\/\{id\}.*needs --allow-destructive/);
    assert.match(r.out, /run {3}sqli\s+GET \/api\/v1\/products\/search/);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await run(['--spec', 'x.yaml'])).code, EXIT.usage);
    assert.equal(
      (await run([...DEMO, '--target', 'http://127.0.0.1:9', '--format', 'pdf'])).code,
      EXIT.usage,
    );
    assert.equal(
      (await run([...DEMO, '--target', 'http://127.0.0.1:9', '--fail-on', 'severe'])).code,
      EXIT.usage,
    );
    assert.equal(
      (await run([...DEMO, '--target', 'http://127.0.0.1:9', '--checks', 'nope'])).code,
      EXIT.usage,
    );
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'identities: []\n');
    const r = await run([
      '--spec',
      'examples/demo-api/openapi.yaml',
      '--config',
      bad,
      '--target',
      'http://127.0.0.1:9',
    ]);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.err, /bad\.yaml:1:1: identities: must NOT have fewer than 1 items/);
  });

  it('a closed port exits 2 with a clear error, not a crash', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await run([...DEMO, '--target', `http://127.0.0.1:${port}`]);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.err, /^error: cannot reach the target http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    assert.ok(!r.err.includes('    at '));
  });

  it('the demo fails the build at --fail-on high; a baseline of its findings makes the next run pass', async () => {
    const api = await startDemoApi({ quiet: true });
    try {
      const baseline = join(dir, 'baseline.json');
      const out = join(dir, 'report.sarif');
      const first = await run([
        ...DEMO,
        '--target',
        api.url,
        '-f',
        'sarif',
        '-o',
        out,
        '--write-baseline',
        baseline,
      ]);
      assert.equal(first.code, EXIT.findings, first.err);
      const sarif = JSON.parse(await readFile(out, 'utf8'));
      assert.equal(sarif.version, '2.1.0');
      assert.ok(sarif.runs[0].results.some((r: { ruleId: string }) => r.ruleId === 'jwt-weak-secret'));
      const second = await run([...DEMO, '--target', api.url, '--baseline', baseline, '-f', 'json']);
      assert.equal(second.code, EXIT.ok, second.err);
      const json = JSON.parse(second.out);
      assert.equal(json.findings.length, 0);
      assert.ok(json.accepted.length > 5);
    } finally {
      await api.close();
    }
  });

  it('the control API passes at --fail-on info (JUnit output)', async () => {
    const api = await startControlApi({ quiet: true, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
    try {
      const r = await run([...CONTROL, '--target', api.url, '--fail-on', 'info', '-f', 'junit']);
      assert.equal(r.code, EXIT.ok, r.out);
      assert.match(r.out, /<testsuites name="rampart scan" tests="\d+" failures="0"/);
    } finally {
      await api.close();
    }
  });
});
