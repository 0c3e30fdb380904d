import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { InjectionKind } from '../../../src/detect/injection/index.ts';
import { detectAll, detectInjection, INJECTION_KINDS } from '../../../src/detect/injection/index.ts';
import { assertClean } from './helpers.ts';

const fixture = (name: string): string[] =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

test('detectInjection returns null for clean and empty values', () => {
  assert.equal(detectInjection(''), null);
  assert.equal(detectInjection('Maria Lopez'), null);
  assert.deepEqual(detectAll(''), []);
});

test('detectAll reports every kind that fires, highest score first', () => {
  const found = detectAll("'; exec master..xp_cmdshell 'ping 127.0.0.1'-- <script>alert(1)</script>");
  const kinds = new Set(found.map((d) => d.kind));
  assert.ok(kinds.has('sqli') && kinds.has('xss'));
  for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.score >= found[i]!.score);
  assert.equal(
    detectInjection("'; exec master..xp_cmdshell 'ping 127.0.0.1'-- <script>alert(1)</script>")?.score,
    found[0]!.score,
  );
});

test('options.kinds restricts the detectors that run', () => {
  const value = '<script>alert(1)</script>';
  assert.equal(detectInjection(value, { kinds: new Set<InjectionKind>(['sqli']) }), null);
  assert.equal(detectInjection(value, { kinds: new Set<InjectionKind>(['xss']) })?.kind, 'xss');
  assert.deepEqual(detectAll(value, { kinds: new Set<InjectionKind>() }), []);
});

test('every kind is inspected by default', () => {
  assert.deepEqual([...INJECTION_KINDS].sort(), [
    'cmdi',
    'ldapi',
    'nosqli',
    'sqli',
    'ssrf',
    'ssti',
    'traversal',
    'xss',
    'xxe',
  ]);
});

test('a fragment never exceeds 64 characters', () => {
  const values = [
    `' or 1=1 -- ${'x'.repeat(500)}`,
    `<img src=x onerror="${'a'.repeat(500)}">`,
    `http://127.0.0.1/${'a'.repeat(500)}`,
    `{{${'7*'.repeat(300)}7}}`,
    `../../${'a/'.repeat(300)}`,
  ];
  for (const v of values) {
    const found = detectAll(v);
    assert.ok(found.length > 0, v.slice(0, 30));
    for (const d of found) assert.ok(d.fragment.length <= 64, `${d.rule}: ${d.fragment.length}`);
  }
});

test('the benign strings named in issue 11 stay clean', () => {
  assertClean([
    "O'Brien",
    'SELECT your plan',
    '1 OR 2 tickets',
    'Rock & Roll',
    'C# and F#',
    '50% off; today only',
    'See https://example.com/docs',
    '$5 - $10',
    'sam.lee+orders@example.com',
    '2026-01-31',
    '31.12.2026 23:59',
    '{"nested": {"ok": true}, "list": [1, 2, 3]}',
  ]);
});

test('a ticket body with code snippets stays clean', () => {
  assertClean([
    [
      'Hi team,',
      'when I call the API from my app I get a 401. My code:',
      '',
      '    const res = await fetch("https://api.example.com/v1/orders?limit=10", {',
      '      headers: { Authorization: `Bearer ${token}` },',
      '    });',
      '    if (!res.ok && res.status === 401) console.log(await res.text());',
      '',
      'and in Python:',
      '',
      '    r = requests.get(url, params={"limit": 10})',
      '    print(r.status_code)',
      '',
      "What's wrong? Thanks, O'Neil",
    ].join('\n'),
    'In the README it says to run `npm install` and then `npm test`.',
    'The config file lives in ./config/app.yaml (see docs/setup.md).',
  ]);
});

test('realistic benign inputs (fixture) stay clean', () => {
  assertClean(fixture('benign-extra.txt'));
});

test('known trade-offs: literal SQL and sensitive paths in prose are reported', () => {
  // Free text quoting a query or naming /etc/hosts looks exactly like an attack; routes that
  // accept such text exclude the field or run the policy in monitor mode.
  assert.equal(detectInjection('Is "SELECT * FROM products" the right query?')?.kind, 'sqli');
  assert.equal(detectInjection('I use cat /etc/hosts to check the file')?.kind, 'traversal');
});
