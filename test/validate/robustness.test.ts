/** Untrusted input never crashes the decoders, and adversarial sizes stay within their caps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Parameter } from '../../src/openapi/operations.ts';
import { decodeForm, decodeMultipart } from '../../src/validate/body.ts';
import { parseMediaType } from '../../src/validate/content-type.ts';
import { scanJson } from '../../src/validate/json-scan.ts';
import { dispositionParams, parseMultipart } from '../../src/validate/multipart.ts';
import { compileParameters } from '../../src/validate/params.ts';

const LIMITS = { maxDepth: 32, maxElements: 10_000 };

function p(
  name: string,
  where: Parameter['in'],
  schema: Record<string, unknown>,
  style?: string,
  explode?: boolean,
): Parameter {
  return {
    name,
    in: where,
    required: where === 'path',
    schema,
    style,
    explode,
    deprecated: false,
    raw: { name, in: where },
    pointer: '',
  };
}

const params = [
  p('q', 'query', { type: 'string' }),
  p('ids', 'query', { type: 'array', items: { type: 'integer' } }, 'pipeDelimited', false),
  p('f', 'query', { type: 'object', properties: { a: { type: 'integer' } } }, 'deepObject', true),
  p('o', 'query', { type: 'object', additionalProperties: true }),
  p('id', 'path', { type: 'array', items: { type: 'integer' } }, 'matrix', true),
  p('l', 'path', { type: 'object', properties: { a: { type: 'string' } } }, 'label', true),
  p('X-N', 'header', { type: 'object', properties: { a: { type: 'number' } } }, 'simple', false),
  p('c', 'cookie', { type: 'array', items: { type: 'boolean' } }, 'form', false),
];
const deserialize = compileParameters(params, { unknownQuery: 'refuse', json: LIMITS });

describe('robustness', () => {
  it('parameter deserialization never throws (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 100 }),
        fc.string({ maxLength: 100 }),
        (query, path, header) => {
          const out = deserialize({
            query,
            path: { id: path, l: path },
            headers: { 'x-n': header, cookie: header },
          });
          assert.ok(Array.isArray(out.violations));
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('form, multipart, media type and disposition parsing never throw (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 80 }), (bytes, text) => {
        const buf = Buffer.from(bytes);
        decodeForm(buf, { type: 'object' });
        decodeMultipart(Buffer.concat([Buffer.from('--b\r\n'), buf]), 'b', {}, undefined, {
          json: LIMITS,
          multipart: { maxParts: 8, maxPartBytes: 1000 },
          checkMagicBytes: true,
        });
        parseMediaType(text);
        dispositionParams(text);
      }),
      { numRuns: 1000 },
    );
  });
  it('1 MB adversarial JSON is refused by the caps, not parsed', () => {
    assert.equal(scanJson('['.repeat(1 << 20), LIMITS)?.code, 'input.limits');
    assert.equal(scanJson(`[${'1,'.repeat(1 << 19)}1]`, LIMITS)?.code, 'input.limits');
    assert.equal(scanJson(`"${'\\"'.repeat(1 << 19)}`, LIMITS)?.code, 'input.json');
    assert.equal(scanJson(`{${'"a":1,'.repeat(1 << 17)}"b":1}`, LIMITS)?.code, 'input.prototype');
  });
  it('1 MB of boundary look-alikes is one unterminated part, not a crash', () => {
    const body = Buffer.concat([
      Buffer.from('--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n'),
      Buffer.from('--xy\r\n'.repeat(1 << 17)),
    ]);
    const r = parseMultipart(body, 'xyz', { maxParts: 32, maxPartBytes: 1 << 22 });
    assert.deepEqual(r, { ok: false, failure: { code: 'input.multipart', detail: 'unterminated part' } });
  });
  it('a query of thousands of pairs is capped', () => {
    const out = deserialize({ query: 'q=1&'.repeat(5000), path: {}, headers: {} });
    assert.ok(out.violations.some((v) => v.message === 'has too many parameters'));
  });
});
