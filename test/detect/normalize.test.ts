import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  canonicalize,
  collapseSqlComments,
  collapseWhitespace,
  decodeHtmlEntities,
  decodeRepeated,
  decodeUrl,
  foldCase,
  foldUnicode,
  MAX_INSPECTED_LENGTH,
  MAX_NORMALIZED_LENGTH,
  normalize,
  removeNullBytes,
  truncateForInspection,
} from '../../src/detect/normalize.ts';

test('decodeUrl decodes %XX as UTF-8, %uXXXX, and leaves malformed escapes alone', () => {
  assert.equal(decodeUrl('%27%20OR%201%3D1'), "' OR 1=1");
  assert.equal(decodeUrl('caf%C3%A9'), 'café');
  assert.equal(decodeUrl('%u0027'), "'");
  assert.equal(decodeUrl('100% sure %zz %4'), '100% sure %zz %4');
  assert.equal(decodeUrl('no escapes'), 'no escapes');
});

test('decodeUrl decodes overlong UTF-8 forms of dots and slashes', () => {
  assert.equal(decodeUrl('%c0%ae%c0%ae%c0%af'), '../');
  assert.equal(decodeUrl('%e0%80%ae'), '.');
});

test('decodeUrl keeps an invalid byte visible as its Latin-1 character', () => {
  assert.equal(decodeUrl('%ff'), 'ÿ');
});

test('decodeHtmlEntities decodes numeric and common named references, with and without semicolons', () => {
  assert.equal(decodeHtmlEntities('&lt;script&gt;'), '<script>');
  assert.equal(decodeHtmlEntities('alert&#40;1&#41'), 'alert(1)');
  assert.equal(decodeHtmlEntities('&#x6A;&#X61;'), 'ja');
  assert.equal(decodeHtmlEntities('&#0000060'), '<');
  assert.equal(decodeHtmlEntities('&lpar;&rpar;&colon;&Tab;'), '():\t');
  assert.equal(decodeHtmlEntities('&lt'), '<');
});

test('decodeHtmlEntities leaves ampersands in prose alone', () => {
  for (const s of ['AT&T', 'Rock & Roll', 'a=b&c=d', 'Ben & Jerry', '&ampersand', '&unknown;']) {
    assert.equal(decodeHtmlEntities(s), s);
  }
});

test('decodeHtmlEntities maps out-of-range code points to U+FFFD instead of throwing', () => {
  assert.equal(decodeHtmlEntities('&#99999999999;'), '\ufffd');
  assert.equal(decodeHtmlEntities('&#xd800;'), '\ufffd');
});

test('decodeRepeated unwraps nested encodings and stops after three passes', () => {
  assert.equal(decodeRepeated('%252e%252e%252f'), '../');
  assert.equal(decodeRepeated('%26lt%3Bscript%26gt%3B'), '<script>');
  // Four levels: three passes leave one level in place.
  assert.equal(decodeRepeated('%25252527'), '%27');
});

test('foldUnicode applies NFKC and folds look-alikes to ASCII', () => {
  assert.equal(foldUnicode('ＳＥＬＥＣＴ＜ｓｃｒｉｐｔ＞'), 'SELECT<script>');
  assert.equal(foldUnicode('‘ or ‘1’=‘1'), "' or '1'='1");
  assert.equal(foldUnicode('sel\u200bect'), 'select');
  assert.equal(foldUnicode('‹script›'), '<script>');
  assert.equal(foldUnicode('plain ascii'), 'plain ascii');
});

test('foldUnicode folds Cyrillic homoglyphs of Latin letters', () => {
  assert.equal(foldUnicode('\u0441\u0430t'), 'cat');
});

test('foldCase, removeNullBytes and collapseWhitespace do one thing each', () => {
  assert.equal(foldCase('UnIoN'), 'union');
  assert.equal(removeNullBytes('etc/passwd\0.png'), 'etc/passwd.png');
  assert.equal(collapseWhitespace('  a \t\n b\r\n'), 'a b');
});

test('collapseSqlComments removes inline and line comments and keeps MySQL executable comments', () => {
  assert.equal(collapseSqlComments("'/**/or/**/1=1"), "' or 1=1");
  assert.equal(collapseSqlComments('/*!50000union*/ select'), ' union  select');
  assert.equal(collapseSqlComments("admin'-- rest"), "admin' ");
  assert.equal(collapseSqlComments("admin'# rest\nnext"), "admin' \nnext");
  assert.equal(collapseSqlComments('1 /* unterminated'), '1  ');
  assert.equal(collapseSqlComments('a--b'), 'a--b');
});

test('normalize chains every step', () => {
  assert.equal(normalize('%2527%2F**%2FUNION%09SELECT%00'), "' union select");
  assert.equal(normalize('&lt;ScRiPt&gt;'), '<script>');
});

test('values longer than the cap are truncated for inspection', () => {
  const long = `${'a'.repeat(MAX_INSPECTED_LENGTH)}<script>`;
  assert.equal(truncateForInspection(long).length, MAX_INSPECTED_LENGTH);
  assert.equal(canonicalize(long).includes('<script>'), false);
});

test('property: normalize never throws and its output is bounded', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      const out = normalize(s);
      assert.ok(out.length <= MAX_NORMALIZED_LENGTH);
      assert.ok(out.length <= Math.max(18 * s.length, 0));
    }),
    { numRuns: 2000 },
  );
});

test('property: canonicalize is idempotent on values without escapes', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (raw) => {
      const s = raw.replaceAll('%', '').replaceAll('&', '');
      const once = canonicalize(s);
      assert.equal(canonicalize(once), once);
    }),
    { numRuns: 2000 },
  );
});

test('property: percent-encoding a value and decoding it gives the value back', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => {
      assert.equal(decodeUrl(encodeURIComponent(s)), s);
    }),
    { numRuns: 1000 },
  );
});
