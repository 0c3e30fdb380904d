import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Refusal } from '../../src/errors.ts';
import { decodeForm, decodeJson, decodeMultipart } from '../../src/validate/body.ts';
import { bodyKind, matchMediaType, parseMediaType } from '../../src/validate/content-type.ts';
import { contentMatchesType } from '../../src/validate/magic.ts';
import { parseMultipart } from '../../src/validate/multipart.ts';

const LIMITS = {
  json: { maxDepth: 8, maxElements: 100 },
  multipart: { maxParts: 4, maxPartBytes: 1024 },
  checkMagicBytes: true,
};
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function isRefusal(v: unknown): v is Refusal {
  return typeof v === 'object' && v !== null && 'code' in v;
}

function multipart(
  boundary: string,
  parts: { headers: string[]; body: string | Buffer }[],
  close = true,
): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n`));
    chunks.push(typeof p.body === 'string' ? Buffer.from(p.body) : p.body);
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe('media types', () => {
  it('parses Content-Type with parameters and matches exact before ranges', () => {
    const t = parseMediaType('Application/JSON; charset="UTF-8"');
    assert.equal(t?.type, 'application/json');
    assert.equal(t?.params.get('charset'), 'UTF-8');
    assert.equal(parseMediaType('json'), undefined);
    assert.equal(parseMediaType('a/b; x'), undefined);
    assert.equal(matchMediaType('image/png', ['*/*', 'image/*', 'image/png']), 'image/png');
    assert.equal(matchMediaType('image/gif', ['*/*', 'image/*']), 'image/*');
    assert.equal(matchMediaType('text/plain', ['application/json']), undefined);
    assert.equal(
      matchMediaType('application/json', ['application/json; charset=utf-8']),
      'application/json; charset=utf-8',
    );
    assert.equal(bodyKind('application/merge-patch+json'), 'json');
    assert.equal(bodyKind('application/soap+xml'), 'text');
  });
});

describe('JSON bodies', () => {
  it('refuse invalid UTF-8 and malformed JSON, and report the pointer of a duplicate', () => {
    const bad = decodeJson(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), LIMITS.json);
    assert.ok(isRefusal(bad) && bad.code === 'input.json');
    const malformed = decodeJson(Buffer.from('{"a":'), LIMITS.json);
    assert.ok(isRefusal(malformed) && malformed.code === 'input.json');
    const dup = decodeJson(Buffer.from('{"a":1,"a":2}'), LIMITS.json);
    assert.ok(isRefusal(dup));
    assert.deepEqual(dup, {
      code: 'input.prototype',
      detail: 'duplicate key',
      errors: [{ pointer: '/body/a', message: 'duplicate key' }],
    });
  });
});

describe('url-encoded forms', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
    },
  };
  it('decode, coerce by property schema, collect arrays', () => {
    const r = decodeForm(Buffer.from('name=O%27Brien+Jr&age=42&tags=a&tags=b'), schema);
    assert.ok(!isRefusal(r));
    assert.deepEqual({ ...r.value }, { name: "O'Brien Jr", age: 42, tags: ['a', 'b'] });
  });
  it('refuse a single field given twice, prototype keys and bad encodings', () => {
    const dup = decodeForm(Buffer.from('name=a&name=b'), schema);
    assert.ok(isRefusal(dup) && dup.code === 'input.schema');
    const proto = decodeForm(Buffer.from('__proto__[admin]=1&constructor=1'), schema);
    assert.ok(isRefusal(proto));
    const proto2 = decodeForm(Buffer.from('constructor=1'), schema);
    assert.ok(isRefusal(proto2) && proto2.code === 'input.prototype');
    const enc = decodeForm(Buffer.from('name=%ZZ'), schema);
    assert.ok(isRefusal(enc) && enc.code === 'input.schema');
  });
});

describe('multipart bodies', () => {
  const schema = {
    type: 'object',
    properties: {
      title: { type: 'string' },
      count: { type: 'integer' },
      file: { type: 'string', format: 'binary' },
    },
  };
  const encoding = { file: { contentType: 'image/png, image/jpeg' } };
  it('decode text fields and files', () => {
    const body = multipart('XyZ', [
      { headers: ['Content-Disposition: form-data; name="title"'], body: 'A "quoted"; title' },
      { headers: ['Content-Disposition: form-data; name="count"'], body: '3' },
      {
        headers: [
          'Content-Disposition: form-data; name="file"; filename="a;b.png"',
          'Content-Type: image/png',
        ],
        body: PNG,
      },
    ]);
    const r = decodeMultipart(body, 'XyZ', schema, encoding, LIMITS);
    assert.ok(!isRefusal(r), JSON.stringify(r));
    assert.equal(r.value.title, 'A "quoted"; title');
    assert.equal(r.value.count, 3);
    assert.equal((r.value.file as string).length, PNG.length);
    assert.deepEqual(r.fields, [
      ['title', 'A "quoted"; title'],
      ['count', '3'],
    ]);
  });
  it('refuse a file whose bytes do not match its declared type (a script named .png)', () => {
    const body = multipart('b', [
      {
        headers: ['Content-Disposition: form-data; name="file"; filename="x.png"', 'Content-Type: image/png'],
        body: '<?php system($_GET["c"]); ?>',
      },
    ]);
    const r = decodeMultipart(body, 'b', schema, encoding, LIMITS);
    assert.ok(isRefusal(r) && r.code === 'input.upload');
  });
  it('refuse a file type the document does not declare for the field', () => {
    const body = multipart('b', [
      {
        headers: ['Content-Disposition: form-data; name="file"; filename="x.gif"', 'Content-Type: image/gif'],
        body: 'GIF89a....',
      },
    ]);
    const r = decodeMultipart(body, 'b', schema, encoding, LIMITS);
    assert.ok(isRefusal(r) && r.code === 'input.upload');
    assert.deepEqual(r.errors, [{ pointer: '/body/file', message: 'file type not accepted for this field' }]);
  });
  it('caps the number and size of parts', () => {
    const many = multipart(
      'b',
      Array.from({ length: 5 }, (_, i) => ({
        headers: [`Content-Disposition: form-data; name="f${i}"`],
        body: 'x',
      })),
    );
    const r = decodeMultipart(many, 'b', schema, encoding, LIMITS);
    assert.ok(isRefusal(r) && r.code === 'input.limits');
    const big = multipart('b', [
      { headers: ['Content-Disposition: form-data; name="title"'], body: 'x'.repeat(2000) },
    ]);
    const r2 = decodeMultipart(big, 'b', schema, encoding, LIMITS);
    assert.ok(isRefusal(r2) && r2.code === 'input.limits');
  });
  it('refuse malformed bodies: unterminated, no name, bad boundary', () => {
    const open = multipart(
      'b',
      [{ headers: ['Content-Disposition: form-data; name="title"'], body: 'x' }],
      false,
    );
    assert.equal(parseMultipart(open, 'b', LIMITS.multipart).ok, false);
    const noName = multipart('b', [{ headers: ['Content-Disposition: form-data'], body: 'x' }]);
    assert.equal(parseMultipart(noName, 'b', LIMITS.multipart).ok, false);
    assert.equal(parseMultipart(Buffer.from('x'), 'a'.repeat(71), LIMITS.multipart).ok, false);
  });
  it('refuse prototype field names', () => {
    const body = multipart('b', [
      { headers: ['Content-Disposition: form-data; name="__proto__"'], body: 'x' },
    ]);
    const r = decodeMultipart(body, 'b', schema, encoding, LIMITS);
    assert.ok(isRefusal(r) && r.code === 'input.prototype');
  });
  it('parse application/json parts', () => {
    const s = { type: 'object', properties: { meta: { type: 'object' } } };
    const body = multipart('b', [
      {
        headers: ['Content-Disposition: form-data; name="meta"', 'Content-Type: application/json'],
        body: '{"a":1}',
      },
    ]);
    const r = decodeMultipart(body, 'b', s, undefined, LIMITS);
    assert.ok(!isRefusal(r));
    assert.deepEqual(r.value.meta, { a: 1 });
  });
});

describe('magic bytes', () => {
  it('check known signatures and refuse executables under other declared types', () => {
    assert.equal(contentMatchesType('image/png', PNG), true);
    assert.equal(contentMatchesType('image/jpeg', PNG), false);
    assert.equal(contentMatchesType('application/pdf', Buffer.from('%PDF-1.7')), true);
    assert.equal(contentMatchesType('image/webp', Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), true);
    assert.equal(
      contentMatchesType(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        Buffer.from('PK\x03\x04'),
      ),
      true,
    );
    const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    assert.equal(contentMatchesType('text/plain', elf), false);
    assert.equal(contentMatchesType('application/octet-stream', elf), true);
    assert.equal(contentMatchesType('text/plain', Buffer.from('MZ is a fine text')), true);
  });
});
