import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EMPTY_ALLOWLIST, parseAllowlist } from '../../src/secrets/allowlist.ts';
import { ruleById } from '../../src/secrets/rules/index.ts';
import { type ScanOptions, scanPaths } from '../../src/secrets/scan.ts';
import { projectFiles, writeTree } from './fixtures-tree.ts';
import { generateKeys } from './keygen.ts';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string | Buffer>): string {
  const root = writeTree(files);
  roots.push(root);
  return root;
}

function opts(root: string, extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    paths: ['.'],
    cwd: root,
    gitignore: true,
    maxFileSize: 1024 * 1024,
    allowlist: EMPTY_ALLOWLIST,
    ...extra,
  };
}

function summary(root: string, extra: Partial<ScanOptions> = {}): string[] {
  return scanPaths(opts(root, extra))
    .findings.map((f) => `${f.file}${f.source ? `(${f.source})` : ''}:${f.line}:${f.column} ${f.ruleId}`)
    .sort();
}

test('planted keys are found in a .env, config.js, minified bundle, source map and YAML', () => {
  const { files } = projectFiles();
  const root = tree(files);
  const bundleCol = (files['dist/app.min.js'] as string).indexOf('AIza') + 1;
  assert.deepEqual(
    summary(root),
    [
      '.env:2:29 database-url',
      '.env:3:14 github-token',
      `dist/app.min.js:1:${bundleCol} gcp-api-key`,
      'dist/app.min.js.map(src/firebase.ts):3:12 gcp-api-key',
      'dist/app.min.js.map(src/slack.ts):3:15 slack-webhook',
      'deploy/values.yaml:3:14 npm-token',
      'deploy/values.yaml:4:22 sendgrid-api-key',
      'src/config.js:2:15 stripe-secret-key',
    ].sort(),
  );
});

test('.gitignore is respected outside git, and --no-gitignore scans everything', () => {
  const k = generateKeys();
  const root = tree({
    '.gitignore': 'build/\n*.local\n!keep.local\n',
    'build/out.js': `k="${k.stripe}"`,
    'a.local': `k="${k.gitlab}"`,
    'keep.local': `k="${k.npm}"`,
    'src/ok.ts': 'export {};\n',
  });
  assert.deepEqual(summary(root), ['keep.local:1:4 npm-token']);
  assert.deepEqual(summary(root, { gitignore: false }), [
    'a.local:1:4 gitlab-token',
    'build/out.js:1:4 stripe-secret-key',
    'keep.local:1:4 npm-token',
  ]);
});

test('inside a git work tree, git check-ignore decides (including nested .gitignore files)', () => {
  const k = generateKeys();
  const root = tree({
    '.gitignore': 'node_modules/\n',
    'pkg/.gitignore': 'secret.txt\n',
    'node_modules/x/index.js': `k="${k.stripe}"`,
    'pkg/secret.txt': `k="${k.gitlab}"`,
    'pkg/visible.txt': `k="${k.npm}"`,
  });
  execFileSync('git', ['init', '-q'], { cwd: root });
  assert.deepEqual(summary(root), ['pkg/visible.txt:1:4 npm-token']);
});

test('an ignored directory named explicitly (a built bundle in dist/) is scanned', () => {
  const k = generateKeys();
  const root = tree({
    '.gitignore': 'dist/\n',
    'dist/app.js': `var k="${k.stripe}";`,
    'src/a.ts': 'export {};\n',
  });
  execFileSync('git', ['init', '-q'], { cwd: root });
  assert.deepEqual(summary(root), []);
  assert.deepEqual(summary(root, { paths: ['dist'] }), ['dist/app.js:1:8 stripe-secret-key']);
});

test('binary files and files over the size cap are skipped and listed as skipped', () => {
  const k = generateKeys();
  const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.from(`"${k.stripe}"`)]);
  const root = tree({
    'tool.bin2': binary,
    'logo.png': Buffer.from(`"${k.stripe}"`),
    'big.txt': `${'x'.repeat(2048)}\n"${k.stripe}"`,
    'small.txt': `"${k.gitlab}"`,
  });
  const result = scanPaths(opts(root, { maxFileSize: 1024 }));
  assert.deepEqual(
    result.findings.map((f) => f.file),
    ['small.txt'],
  );
  assert.deepEqual(result.skipped.map((s) => `${s.path.slice(root.length + 1)} ${s.reason}`).sort(), [
    'big.txt too-large',
    'logo.png binary-extension',
    'tool.bin2 binary-content',
  ]);
});

test('a file named explicitly is scanned even when ignored', () => {
  const k = generateKeys();
  const root = tree({ '.gitignore': '*.env\n', 'prod.env': `T=${k.githubClassic}\n` });
  assert.deepEqual(
    scanPaths(opts(root, { paths: ['prod.env'] })).findings.map((f) => f.ruleId),
    ['github-token'],
  );
});

test('the allowlist drops findings by path, rule id and fingerprint', () => {
  const k = generateKeys();
  const root = tree({
    'test/fixtures/keys.env': `T=${k.githubClassic}\n`,
    'src/a.ts': `const s = "${k.stripe}";\nconst j = "${k.jwt}";\n`,
    'src/b.ts': `const n = "${k.npm}";\n`,
  });
  const all = scanPaths(opts(root)).findings;
  assert.equal(all.length, 4);
  const npmFp = all.find((f) => f.ruleId === 'npm-token')?.fingerprint;
  const list = parseAllowlist(
    `# test keys\npath:test/fixtures\nrule:jwt\nfingerprint:${npmFp}\n`,
    root,
    'allow',
    (id) => ruleById(id) !== undefined,
  );
  const result = scanPaths(opts(root, { allowlist: list }));
  assert.deepEqual(
    result.findings.map((f) => f.ruleId),
    ['stripe-secret-key'],
  );
  assert.equal(result.allowed, 3);
});

test('a malformed allowlist line is an error naming file and line', () => {
  const known = (id: string) => ruleById(id) !== undefined;
  assert.throws(
    () => parseAllowlist('rule:no-such-rule\n', '/', 'allow.txt', known),
    /allow\.txt:1: unknown rule id/,
  );
  assert.throws(
    () => parseAllowlist('\nfingerprint:xyz\n', '/', 'allow.txt', known),
    /allow\.txt:2: a fingerprint/,
  );
});

test('the same key in two files has one fingerprint; different keys differ', () => {
  const k = generateKeys();
  const other = generateKeys();
  const root = tree({ 'a.txt': k.gitlab, 'b.txt': `x ${k.gitlab}`, 'c.txt': other.gitlab });
  const fps = scanPaths(opts(root)).findings.map((f) => f.fingerprint);
  assert.equal(fps[0], fps[1]);
  assert.notEqual(fps[0], fps[2]);
  assert.match(fps[0] ?? '', /^[0-9a-f]{16}$/);
});

test('a non-JSON .map file is scanned as plain text', () => {
  const k = generateKeys();
  const root = tree({
    'routes.map': `route /a -> ${k.npm}\n`,
    'noise.txt': randomBytes(100).toString('hex'),
  });
  assert.deepEqual(summary(root), ['routes.map:1:13 npm-token']);
});

test('scanning twice the same file through two paths reports it once', () => {
  const k = generateKeys();
  const root = tree({ 'dir/a.txt': k.gitlab });
  assert.equal(scanPaths(opts(root, { paths: ['.', 'dir', join('dir', 'a.txt')] })).findings.length, 1);
});
