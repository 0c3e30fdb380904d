import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { bearerToken } from '../../src/auth/authenticators.ts';
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
