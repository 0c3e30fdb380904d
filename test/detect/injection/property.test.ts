import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { detectAll, detectInjection, detectNoSqlKey } from '../../../src/detect/injection/index.ts';

// Fragments of every syntax the detectors parse, so that random values reach deep branches.
const PIECES = [
  "'",
  '"',
  '`',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '{{',
  '}}',
  '${',
  '#{',
  '<%',
  '%>',
  '{%',
  '%}',
  '<',
  '>',
  '</',
  '/>',
  '=',
  '==',
  ';',
  '|',
  '||',
  '&',
  '&&',
  '$(',
  '--',
  '#',
  '/*',
  '*/',
  '/*!',
  '..',
  '../',
  '..\\',
  '\\',
  '/',
  ':',
  '://',
  '@',
  '@@',
  '%',
  '%25',
  '%2e',
  '%c0%ae',
  '&#',
  '&#x',
  '&lt;',
  '&amp;',
  '\\u00',
  '\\x27',
  '\\n',
  '\n',
  '\t',
  '\0',
  ' ',
  'or',
  'and',
  'union',
  'select',
  'from',
  'where',
  'sleep',
  'waitfor',
  'delay',
  'exec',
  'drop',
  'table',
  '1',
  '0x',
  'char',
  'script',
  'img',
  'onerror',
  'javascript',
  'on',
  'svg',
  'id',
  'ls',
  'cat',
  'net',
  'user',
  'http',
  'localhost',
  '127.0.0.1',
  '0177',
  '::ffff:',
  '[::1]',
  'etc/passwd',
  'php',
  'file',
  '$ne',
  '$where',
  'this.',
  'db.',
  '!entity',
  '!doctype',
  'system',
  'config',
  '__class__',
  '7*7',
  '*)(',
  ')(|',
  'ＳＥＬＥＣＴ',
  '＜',
  '‘',
  'İ',
  '\ud800',
  '🙂',
];

const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join('')),
);

test('property: detectAll never throws and returns well-formed detections', () => {
  fc.assert(
    fc.property(value, (v) => {
      const found = detectAll(v);
      for (const d of found) {
        assert.ok(d.score > 0 && d.score <= 1);
        assert.ok(d.fragment.length <= 64);
        assert.equal(typeof d.rule, 'string');
        assert.ok(d.rule.startsWith(d.kind));
      }
      const top = detectInjection(v);
      assert.equal(top === null, found.length === 0);
    }),
    { numRuns: 5000 },
  );
});

test('property: detectNoSqlKey never throws', () => {
  fc.assert(
    fc.property(value, (k) => {
      const d = detectNoSqlKey(k);
      assert.ok(d === null || d.kind === 'nosqli');
    }),
    { numRuns: 2000 },
  );
});
