import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { contentCoding, decodeBody, restoreCoding, takeCoding } from '../../src/gateway/content-coding.ts';

const json = Buffer.from('{"id":1,"name":"a"}');

describe('content coding of a held response', () => {
  test('a Content-Encoding names no coding, one the gateway decodes, or an unknown one', () => {
    assert.equal(contentCoding(undefined), null);
    assert.equal(contentCoding(''), null);
    assert.equal(contentCoding('identity'), null);
    assert.equal(contentCoding(' GZip '), 'gzip');
    assert.equal(contentCoding('x-gzip'), 'gzip');
    assert.equal(contentCoding('deflate'), 'deflate');
    assert.equal(contentCoding(['br']), 'br');
    assert.equal(contentCoding('identity, gzip'), 'gzip');
    assert.equal(contentCoding('compress'), 'unknown');
    assert.equal(contentCoding('gzip, br'), 'unknown', 'stacked codings are not unwound');
    assert.equal(contentCoding(['gzip', 'gzip']), 'unknown');
  });

  test('gzip, zlib deflate, raw deflate and brotli decode to the content', () => {
    assert.deepEqual(decodeBody(gzipSync(json), 'gzip', 1024), { ok: true, bytes: json });
    assert.deepEqual(decodeBody(deflateSync(json), 'deflate', 1024), { ok: true, bytes: json });
    assert.deepEqual(decodeBody(deflateRawSync(json), 'deflate', 1024), { ok: true, bytes: json });
    assert.deepEqual(decodeBody(brotliCompressSync(json), 'br', 1024), { ok: true, bytes: json });
  });

  test('decoding stops one byte past the cap: exactly the cap decodes, more is too large', () => {
    const cap = 4096;
    assert.equal(decodeBody(gzipSync(Buffer.alloc(cap)), 'gzip', cap).ok, true);
    for (const [coding, coded] of [
      ['gzip', gzipSync(Buffer.alloc(cap + 1))],
      ['deflate', deflateSync(Buffer.alloc(32 * 1024 * 1024))],
      ['br', brotliCompressSync(Buffer.alloc(32 * 1024 * 1024))],
    ] as const) {
      assert.deepEqual(decodeBody(coded, coding, cap), { ok: false, reason: 'too-large' }, coding);
    }
  });

  test('bytes that are not the coding they claim are corrupt, not an exception', () => {
    for (const coding of ['gzip', 'deflate', 'br'] as const) {
      assert.deepEqual(decodeBody(Buffer.from('plain text, not coded'), coding, 1024), {
        ok: false,
        reason: 'corrupt',
      });
    }
    assert.deepEqual(decodeBody(gzipSync(json).subarray(0, 12), 'gzip', 1024), {
      ok: false,
      reason: 'corrupt',
    });
  });

  test('a decoded coding leaves the head while the body is read, and comes back whole', () => {
    const headers: Record<string, string | string[]> = {
      'content-encoding': 'gzip',
      'content-length': '39',
      etag: '"x"',
    };
    const coded = takeCoding(headers);
    assert.deepEqual(coded, { coding: 'gzip', value: 'gzip', length: '39' });
    assert.deepEqual(headers, { etag: '"x"' });
    restoreCoding(headers, coded!);
    assert.deepEqual(headers, { etag: '"x"', 'content-encoding': 'gzip', 'content-length': '39' });
    const unknown: Record<string, string | string[]> = {
      'content-encoding': 'compress',
      'content-length': '9',
    };
    assert.equal(takeCoding(unknown)?.coding, 'unknown');
    assert.deepEqual(
      unknown,
      { 'content-encoding': 'compress', 'content-length': '9' },
      'an unknown coding stays',
    );
    assert.equal(takeCoding({ 'content-type': 'application/json' }), undefined);
  });
});
