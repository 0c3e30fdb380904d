import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { auditCommand } from '../../src/cli/audit.ts';
import { EXIT } from '../../src/cli/command.ts';

async function run(argv: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await auditCommand.run(argv, { stdout, stderr, cwd, env: {} });
  return { code, out, err };
}

const WEAK = `openapi: 3.0.3
info: {title: weak, version: '1'}
paths:
  /users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok}
`;

const GOOD = `openapi: 3.1.0
info: {title: good, version: '1'}
servers: [{url: 'https://api.example.com'}]
security: [{bearer: []}]
paths:
  /status:
    get:
      operationId: status
      responses:
        '200':
          description: ok
          headers:
            RateLimit: {schema: {type: string, maxLength: 100}}
        '401': {description: unauthenticated}
        '429': {description: slow down}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
`;

describe('rampart audit', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-audit-cli-'));
    await writeFile(join(dir, 'weak.yaml'), WEAK);
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(
      join(dir, 'broken.yaml'),
      WEAK.replace("'200': {description: ok}", "'200': {$ref: '#/nope'}"),
    );
    await writeFile(join(dir, 'audit.yaml'), 'rules:\n  auth.no-security: low\nfailOn: critical\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('console report and exit 0 without a threshold', async () => {
    const { code, out } = await run(['weak.yaml'], dir);
    assert.equal(code, EXIT.ok);
    assert.match(
      out,
      /critical\s+auth\.no-security\s+weak\.yaml:5:5\s+GET \/users\/\{id\} has no security requirement/,
    );
    assert.match(out, /Score: \d+\/100/);
  });

  test('--fail-on exits 1 when a finding reaches the severity, 0 otherwise', async () => {
    assert.equal((await run(['weak.yaml', '--fail-on', 'critical'], dir)).code, EXIT.findings);
    assert.equal((await run(['good.yaml', '--fail-on', 'low'], dir)).code, EXIT.ok);
  });

  test('--min-score exits 1 below the score', async () => {
    assert.equal((await run(['weak.yaml', '--min-score', '90'], dir)).code, EXIT.findings);
    assert.equal((await run(['good.yaml', '--min-score', '100'], dir)).code, EXIT.ok);
  });

  test('--format json and sarif, and --output', async () => {
    const json = JSON.parse((await run(['weak.yaml', '--format', 'json'], dir)).out);
    assert.equal(json.file, 'weak.yaml');
    assert.ok(
      json.findings.some(
        (f: { rule: string; line: number }) => f.rule === 'auth.no-security' && f.line === 5,
      ),
    );
    const { code, err } = await run(['weak.yaml', '-f', 'sarif', '-o', 'out.sarif'], dir);
    assert.equal(code, EXIT.ok);
    assert.match(err, /score \d+\/100/);
    const sarif = JSON.parse(await readFile(join(dir, 'out.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0].results.length > 0);
  });

  test('a config file changes severities and sets the threshold', async () => {
    const { code, out } = await run(['weak.yaml', '--config', 'audit.yaml', '--format', 'json'], dir);
    assert.equal(code, EXIT.ok, 'no critical finding left after auth.no-security became low');
    const json = JSON.parse(out);
    assert.equal(json.findings.find((f: { rule: string }) => f.rule === 'auth.no-security').severity, 'low');
  });

  test('a broken document exits 2 with file:line:column', async () => {
    const { code, err } = await run(['broken.yaml'], dir);
    assert.equal(code, EXIT.usage);
    assert.match(err, /broken\.yaml:9:17: \$ref '#\/nope' does not resolve/);
    assert.equal((await run(['missing.yaml'], dir)).code, EXIT.usage);
  });

  test('bad usage throws a UsageError (exit 2 through the dispatcher)', async () => {
    await assert.rejects(run([], dir), { name: 'UsageError' });
    await assert.rejects(run(['weak.yaml', '--format', 'xml'], dir), { name: 'UsageError' });
    await assert.rejects(run(['weak.yaml', '--fail-on', 'bad'], dir), { name: 'UsageError' });
    await assert.rejects(run(['weak.yaml', '--min-score', '101'], dir), { name: 'UsageError' });
  });

  test('--list-rules prints every rule', async () => {
    const { code, out } = await run(['--list-rules'], dir);
    assert.equal(code, EXIT.ok);
    assert.match(out, /^auth\.no-security\s+API2\s+critical\s+Operation without a security requirement$/m);
  });
});
