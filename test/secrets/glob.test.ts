import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, globMatches, globMatchesPathOrParent } from '../../src/secrets/glob.ts';

function m(pattern: string, path: string, isDir = false): boolean {
  const p = compileGlob(pattern);
  assert.ok(p, pattern);
  return globMatches(p, path, isDir);
}

test('a pattern without a slash matches a name at any depth', () => {
  assert.ok(m('*.log', 'a.log'));
  assert.ok(m('*.log', 'deep/dir/a.log'));
  assert.ok(!m('*.log', 'a.log.txt'));
  assert.ok(m('node_modules', 'pkg/node_modules', true));
});

test('a pattern with a slash is anchored to its base', () => {
  assert.ok(m('/build', 'build', true));
  assert.ok(!m('/build', 'src/build', true));
  assert.ok(m('docs/*.md', 'docs/a.md'));
  assert.ok(!m('docs/*.md', 'x/docs/a.md'));
  assert.ok(!m('docs/*.md', 'docs/sub/a.md'));
});

test('** spans any number of directories', () => {
  assert.ok(m('**/fixtures', 'a/b/fixtures', true));
  assert.ok(m('a/**/b', 'a/b'));
  assert.ok(m('a/**/b', 'a/x/y/b'));
  assert.ok(m('dist/**', 'dist/a/b.js'));
});

test('dir-only patterns, classes, ? and escapes', () => {
  assert.ok(!m('out/', 'out'));
  assert.ok(m('out/', 'out', true));
  assert.ok(m('file[0-9].txt', 'file7.txt'));
  assert.ok(!m('file[!0-9].txt', 'file7.txt'));
  assert.ok(m('?.js', 'a.js'));
  assert.ok(m('\\#notes', '#notes'));
  assert.equal(compileGlob('# comment'), null);
  assert.equal(compileGlob('   '), null);
  assert.equal(compileGlob('!keep.log')?.negated, true);
});

test('a matched directory covers the files below it', () => {
  const p = compileGlob('test/fixtures');
  assert.ok(p);
  assert.ok(globMatchesPathOrParent(p, 'test/fixtures/keys/a.env'));
  assert.ok(!globMatchesPathOrParent(p, 'src/a.ts'));
});

test('many stars against a long name finish quickly (no exponential backtracking)', () => {
  const p = compileGlob(`${'*a'.repeat(30)}b`);
  assert.ok(p);
  assert.equal(globMatches(p, 'a'.repeat(4000), false), false);
});
