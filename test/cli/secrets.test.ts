import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../../src/cli/command.ts';
import { secretsCommand } from '../../src/cli/secrets.ts';
import { projectFiles, writeTree } from '../secrets/fixtures-tree.ts';
import { commitAll, newRepo } from '../secrets/git-repo.ts';
import { generateKeys } from '../secrets/keygen.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(cwd: string, ...argv: string[]) {
  const out = sink();
  const err = sink();
  const code = await secretsCommand.run(argv, { stdout: out.stream, stderr: err.stream, cwd, env: {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

function tree(files: Record<string, string>): string {
  const d = writeTree(files);
  dirs.push(d);
  return d;
}

const project = projectFiles();
const secrets = Object.values(project.keys);

function assertNoSecret(output: string): void {
  for (const s of secrets) assert.ok(!output.includes(s.slice(0, 24)), 'a secret leaked into the output');
}

test('--help lists the options and exit codes', async () => {
  const r = await run('/', '--help');
  assert.equal(r.code, EXIT.ok);
  for (const opt of ['--format', '--fail-on', '--git', '--no-gitignore', '--allowlist', '--max-file-size']) {
    assert.ok(r.stdout.includes(opt), opt);
  }
  assert.match(r.stdout, /Exit codes:[\s\S]*0 [\s\S]*1 [\s\S]*2 /);
  assert.equal(secretsCommand.help, r.stdout);
  assert.equal(secretsCommand.name, 'secrets');
});

test('findings exit 1, and every format is redacted', async () => {
  const root = tree(project.files);
  for (const format of ['table', 'json', 'sarif']) {
    const r = await run(root, '--format', format);
    assert.equal(r.code, EXIT.findings, format);
    assert.ok(r.stdout.length > 100, format);
    assertNoSecret(r.stdout + r.stderr);
  }
});

test('a clean tree exits 0', async () => {
  const root = tree({ 'a.ts': 'export const id = "123e4567-e89b-12d3-a456-426614174000";\n' });
  const r = await run(root);
  assert.equal(r.code, EXIT.ok);
  assert.match(r.stdout, /^0 findings/);
});

test('--fail-on sets the threshold: documentation examples alone pass at medium, fail at low', async () => {
  const root = tree({ 'README.md': 'Set AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n' });
  assert.equal((await run(root)).code, EXIT.ok);
  assert.equal((await run(root, '--fail-on', 'low')).code, EXIT.findings);
  const high = tree({ 'x.txt': `${generateKeys().stripe}\n` });
  assert.equal((await run(high, '--fail-on', 'never')).code, EXIT.ok);
  assert.equal((await run(high, '--fail-on', 'high')).code, EXIT.findings);
});

test('usage errors exit 2 with a message', async () => {
  const root = tree({ 'a.txt': 'x' });
  for (const argv of [
    ['--format', 'xml'],
    ['--fail-on', 'sometimes'],
    ['--bogus'],
    ['missing-dir'],
    ['--max-file-size', 'big'],
    ['--allowlist', 'nope.txt'],
  ]) {
    const r = await run(root, ...argv);
    assert.equal(r.code, EXIT.usage, argv.join(' '));
    assert.match(r.stderr, /^rampart secrets: /, argv.join(' '));
  }
  writeFileSync(join(root, '.rampart-secrets-allow'), 'rule:nonsense\n');
  const bad = await run(root);
  assert.equal(bad.code, EXIT.usage);
  assert.match(bad.stderr, /\.rampart-secrets-allow:1: unknown rule id/);
});

test('the default allowlist file and inline ignores silence findings', async () => {
  const k = generateKeys();
  const root = tree({
    'fixtures/keys.env': `T=${k.githubClassic}\n`,
    'src/a.ts': `const s = "${k.stripe}"; // rampart:ignore-secret test key\n`,
    '.rampart-secrets-allow': '# test fixtures hold fake keys\nfixtures/\n',
  });
  const r = await run(root, '--format', 'json');
  assert.equal(r.code, EXIT.ok);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.findings.length, 0);
  assert.equal(doc.summary.allowlisted, 1);
});

test('--output writes the report to a file', async () => {
  const root = tree(project.files);
  const r = await run(root, '--format', 'sarif', '--output', 'out.sarif');
  assert.equal(r.code, EXIT.findings);
  assert.equal(r.stdout, '');
  const sarif = JSON.parse(readFileSync(join(root, 'out.sarif'), 'utf8'));
  assert.equal(sarif.runs[0].results.length, 8);
});

test('--git scans history and reports commit ids', async () => {
  const k = generateKeys();
  const dir = newRepo();
  dirs.push(dir);
  writeFileSync(join(dir, 'config.yaml'), `slack: ${k.slack}\n`);
  const id = commitAll(dir, 'add config');
  writeFileSync(join(dir, 'config.yaml'), 'slack: ${SLACK_TOKEN}\n');
  commitAll(dir, 'use env');
  const r = await run(dir, '--git', '--format', 'json');
  assert.equal(r.code, EXIT.findings);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(
    doc.findings.map((f: { rule: string; commit: string; line: number }) => [f.rule, f.commit, f.line]),
    [['slack-token', id, 1]],
  );
  assert.ok(!r.stdout.includes(k.slack.slice(0, 20)));
  const plain = await run(dir);
  assert.equal(plain.code, EXIT.ok, 'the working tree itself is clean');
});

test('--list-rules prints every rule id', async () => {
  const r = await run('/', '--list-rules');
  assert.equal(r.code, EXIT.ok);
  for (const id of ['github-token', 'rampart-api-key', 'generic-secret', 'private-key'])
    assert.ok(r.stdout.includes(id));
});

test('the stand-alone entry exits with the command’s code', () => {
  const k = generateKeys();
  const root = tree({ 'a.env': `NPM_TOKEN=${k.npm}\n` });
  const main = fileURLToPath(new URL('../../src/cli/secrets-main.ts', import.meta.url));
  const r = spawnSync(process.execPath, [main, '--format', 'json', '.'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, EXIT.findings, r.stderr);
  assert.equal(JSON.parse(r.stdout).findings[0].rule, 'npm-token');
  assert.ok(!r.stdout.includes(k.npm.slice(0, 12)));
});
