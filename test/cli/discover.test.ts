import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { auditDocument } from '../../src/audit/audit.ts';
import { main } from '../../src/cli/main.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../platform/discovery/fixtures/${name}`, import.meta.url));

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-discover-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  err.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await main(argv, { stdout: out, stderr: err, cwd: dir, env: {} });
  return { code, stdout, stderr };
}

test('rampart discover --har --spec reports shadow and zombie endpoints and writes a draft audit accepts', async () => {
  const r = await run([
    'discover',
    '--har',
    fixture('shop.har'),
    '--spec',
    fixture('shop.yaml'),
    '-o',
    'draft.yaml',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /GET\s+\/api\/v1\/products\/\{productId\}\s+3 call\(s\)/);
  assert.match(r.stdout, /shadow \(called, not declared\): 2/);
  assert.match(r.stdout, /\/api\/v1\/internal\/debug\/\{debugId\}/);
  assert.match(r.stdout, /\/orders\/legacy\s+deprecated-called/);
  assert.match(r.stdout, /\/reports\/export\s+never-called/);
  assert.match(r.stdout, /query sort/);

  const file = join(dir, 'draft.yaml');
  const draft = parse(await readFile(file, 'utf8')) as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { parameters?: { name: string; in: string; schema: { type: string } }[] }>
    >;
  };
  assert.equal(draft.openapi, '3.1.0');
  const get = draft.paths['/api/v1/products/{productId}']?.get;
  assert.deepEqual(get?.parameters?.[0], {
    name: 'productId',
    in: 'path',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  });
  const report = auditDocument(await loadOpenApi(file));
  assert.equal(report.version, '3.1');
  assert.equal(report.operations, 6, 'the six discovered operations are in the draft');
  const audited = await run(['audit', file, '--format', 'json']);
  assert.notEqual(audited.code, 2, `audit accepts the draft: ${audited.stderr}`);
  assert.equal(audited.code === 0 || audited.code === 1, true);
});

test('rampart discover --log --format json; bad usage exits 2', async () => {
  const log = join(dir, 'access.jsonl');
  await import('node:fs/promises').then((fs) =>
    fs.writeFile(
      log,
      `${JSON.stringify({ msg: 'request', time: 1, method: 'GET', path: '/a/1', status: 200 })}\n${JSON.stringify({ msg: 'request', time: 2, method: 'GET', path: '/a/2', status: 200 })}\n`,
    ),
  );
  const r = await run(['discover', '--log', log, '--format', 'json', '--no-draft']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { endpoints: { path: string; count: number }[] };
  assert.deepEqual(
    out.endpoints.map((e) => [e.path, e.count]),
    [['/a/{aId}', 2]],
  );
  assert.equal((await run(['discover'])).code, 2);
  assert.equal((await run(['discover', '--har', 'x', '--log', 'y'])).code, 2);
  assert.equal((await run(['discover', '--har', join(dir, 'missing.har')])).code, 2);
  assert.equal(
    (await run(['discover', '--log', log, '--spec', join(dir, 'missing.yaml'), '--no-draft'])).code,
    2,
  );
});
