import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { scanText } from '../../src/secrets/scan-text.ts';
import { generateKeys } from './keygen.ts';

const k = generateKeys();

test('line and column are 1-based and point at the secret', () => {
  const text = `line one\n  const t = "${k.githubClassic}";\n`;
  const [f] = scanText(text);
  assert.ok(f);
  assert.equal(f.line, 2);
  assert.equal(f.column, 14);
  assert.equal(f.endLine, 2);
  assert.equal(f.endColumn, 14 + 40);
});

test('a multi-line private key spans its BEGIN to END lines', () => {
  const text = `# key\n${k.pem}`;
  const [f] = scanText(text);
  assert.equal(f?.line, 2);
  assert.equal(f?.endLine, 2 + k.pem.trimEnd().split('\n').length - 1);
});

test('an inline rampart:ignore-secret comment silences its line only', () => {
  const text = `a = "${k.stripe}" // rampart:ignore-secret test fixture\nb = "${k.gitlab}"\n`;
  assert.deepEqual(
    scanText(text).map((f) => [f.rule.id, f.line]),
    [['gitlab-token', 2]],
  );
});

test('the more specific rule wins when hits overlap', () => {
  const hits = scanText(`token = "${k.githubClassic}"`);
  assert.deepEqual(
    hits.map((f) => f.rule.id),
    ['github-token'],
  );
});

test('a key at the end of a 2 MB minified line is found with its column', () => {
  const filler = `!function(e){var t={};${'e.a=function(n){return n*2};'.repeat(70_000)}`;
  const text = `${filler}var c={apiKey:"${k.gcpApiKey}",authDomain:"acme.firebaseapp.com"};}();`;
  const hits = scanText(text);
  assert.deepEqual(
    hits.map((f) => [f.rule.id, f.line, f.column]),
    [['gcp-api-key', 1, filler.length + 16]],
  );
});

test('bytes inside a data: URI are never reported, whatever they spell', () => {
  const b64 = randomBytes(200).toString('base64');
  const text = `<img src="data:image/png;base64,${b64.slice(0, 100)}AKIA${'Q'.repeat(16)}${b64.slice(100)}">`;
  assert.deepEqual(scanText(text), []);
});

test('findings carry only a redacted secret', () => {
  const [f] = scanText(`x = "${k.sendgrid}"`);
  assert.ok(f);
  assert.equal(f.redacted, `SG.r…(69 chars)`.replace('SG.r', k.sendgrid.slice(0, 4)));
  assert.ok(!JSON.stringify({ ...f, rule: f.rule.id }).includes(k.sendgrid.slice(4, 20)));
});

test('property: arbitrary text never throws and never yields overlapping or out-of-range findings', () => {
  const alphabet = fc.constantFrom(
    ...'aA0_-=:"\'\n /+.@'.split(''),
    'secret',
    'token',
    'eyJ',
    'AKIA',
    '-----BEGIN PRIVATE KEY-----',
    '-----END PRIVATE KEY-----',
    'postgres://',
    'ghp_',
    ';base64,',
    'rampart:ignore-secret',
  );
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 400 }), (parts) => {
      const text = parts.join('');
      const lines = text.split('\n').length;
      const found = scanText(text);
      for (const f of found) {
        assert.ok(f.line >= 1 && f.endLine >= f.line && f.endLine <= lines);
        assert.ok(f.column >= 1 && f.length > 0);
      }
    }),
    { numRuns: 300 },
  );
});

test('hostile repetitions of rule prefixes are scanned without findings or errors', () => {
  for (const unit of [
    'secret=',
    'eyJaaaaaaaaaaaa.',
    '-----BEGIN PRIVATE KEY-----\n',
    'postgres://a:',
    'AKIA',
    'xoxb-1-',
  ]) {
    assert.deepEqual(scanText(unit.repeat(20_000)), [], unit);
  }
});
