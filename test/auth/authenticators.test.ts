import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { bearerToken, trimmed } from '../../src/auth/authenticators.ts';
import type { RequestContext } from '../../src/gateway/pipeline.ts';

function withAuthorization(value: string | undefined): RequestContext {
  const req = { headers: value === undefined ? {} : { authorization: value } } as IncomingMessage;
  return { req } as RequestContext;
}

describe('bearer token from the Authorization header', () => {
  test('reads the token after the scheme, in any case of the scheme name', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
      assert.equal(bearerToken(withAuthorization(`${scheme} abc.def.ghi`)), 'abc.def.ghi');
  });

  test('ignores other schemes, look-alikes and a missing space', () => {
    for (const value of [
      'Basic dXNlcjpwdw==',
      'Bearerx abc',
      'Bearer',
      'Bearer ',
      'Bearer\tabc',
      'Beare abc',
      'Cearer abc',
      'Bearër abc',
    ])
      assert.equal(bearerToken(withAuthorization(value)), undefined, value);
    assert.equal(bearerToken(withAuthorization(undefined)), undefined);
  });

  test('trims spaces around the token', () => {
    assert.equal(bearerToken(withAuthorization('Bearer   abc  ')), 'abc');
  });
});

describe('credential trimming', () => {
  test('is String.prototype.trim for any string, whitespace of every kind included', () => {
    const space = fc.constantFrom(
      ' ',
      '\t',
      '\n',
      '\v',
      '\f',
      '\r',
      '\u00a0',
      '\u1680',
      '\u2007',
      '\u2028',
      '\u3000',
      '\ufeff',
    );
    const part = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), space);
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        const s = parts.join('');
        assert.equal(trimmed(s), s.trim());
      }),
      { numRuns: 2000 },
    );
  });
});
