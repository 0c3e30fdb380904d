import assert from 'node:assert/strict';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EMPTY_ALLOWLIST } from '../../src/secrets/allowlist.ts';
import { addedChunks, GitHistoryError } from '../../src/secrets/git-history.ts';
import { scanHistory } from '../../src/secrets/scan.ts';
import { commitAll, git, newRepo } from './git-repo.ts';
import { generateKeys } from './keygen.ts';

const repos: string[] = [];
after(() => {
  for (const r of repos) rmSync(r, { recursive: true, force: true });
});

function repo(): string {
  const r = newRepo();
  repos.push(r);
  return r;
}

const opts = (cwd: string) => ({
  paths: ['.'],
  cwd,
  gitignore: true,
  maxFileSize: 1024 * 1024,
  allowlist: EMPTY_ALLOWLIST,
});

test('a key committed then deleted is still found, with the commit that added it and its line', async () => {
  const k = generateKeys();
  const dir = repo();
  writeFileSync(join(dir, 'app.js'), 'const a = 1;\n');
  commitAll(dir, 'initial');
  writeFileSync(join(dir, 'app.js'), `const a = 1;\n// TODO\nconst stripe = "${k.stripe}";\n`);
  writeFileSync(join(dir, 'id_rsa'), k.pem);
  const leaking = commitAll(dir, 'add payments');
  writeFileSync(join(dir, 'app.js'), 'const a = 1;\nconst stripe = process.env.STRIPE_KEY;\n');
  unlinkSync(join(dir, 'id_rsa'));
  commitAll(dir, 'remove key');

  const result = await scanHistory(opts(dir));
  assert.deepEqual(result.findings.map((f) => [f.file, f.line, f.column, f.ruleId, f.commit]).sort(), [
    ['app.js', 3, 17, 'stripe-secret-key', leaking],
    ['id_rsa', 1, 1, 'private-key', leaking],
  ]);
  assert.equal(result.commitsScanned, 3);
});

test('added lines are told from diff headers by hunk counts', async () => {
  const k = generateKeys();
  const dir = repo();
  // Lines that look like diff headers once prefixed with "+".
  writeFileSync(join(dir, 'tricky.txt'), `++ b/other.txt\n@@ -1 +1 @@\n-- a\ntoken ${k.gitlab}\n`);
  const id = commitAll(dir, 'tricky');
  const chunks = [];
  for await (const c of addedChunks(dir, 1024 * 1024)) chunks.push(c);
  assert.deepEqual(
    chunks.map((c) => [c.commit, c.path, c.lineNumbers]),
    [[id, 'tricky.txt', [1, 2, 3, 4]]],
  );
  const result = await scanHistory(opts(dir));
  assert.deepEqual(
    result.findings.map((f) => [f.file, f.line, f.ruleId]),
    [['tricky.txt', 4, 'gitlab-token']],
  );
});

test('commits on other branches are scanned too', async () => {
  const k = generateKeys();
  const dir = repo();
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  commitAll(dir, 'a');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeFileSync(join(dir, 'b.txt'), `${k.npm}\n`);
  const id = commitAll(dir, 'b');
  git(dir, 'checkout', '-q', 'main');
  const result = await scanHistory(opts(dir));
  assert.deepEqual(
    result.findings.map((f) => [f.ruleId, f.commit]),
    [['npm-token', id]],
  );
});

test('a directory that is not a repository is a GitHistoryError', async () => {
  const dir = repo();
  rmSync(join(dir, '.git'), { recursive: true });
  await assert.rejects(scanHistory(opts(dir)), GitHistoryError);
});
