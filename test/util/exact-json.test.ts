import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isExactInteger, isExactNumber, parseExactJson } from '../../src/util/exact-json.ts';

const roundTrip = (text: string) => JSON.stringify(parseExactJson(text));

describe('exact JSON numbers', () => {
  test('a number a double cannot hold comes back as the upstream wrote it', () => {
    assert.equal(roundTrip('{"id":12345678901234567890}'), '{"id":12345678901234567890}');
    assert.equal(roundTrip('[9007199254740993]'), '[9007199254740993]');
    assert.equal(roundTrip('[12345678.123456789]'), '[12345678.123456789]');
    assert.equal(
      roundTrip('[0.1000000000000000055511151231257827]'),
      '[0.1000000000000000055511151231257827]',
    );
    assert.equal(roundTrip('[1e400,-1e400,1e-400]'), '[1e400,-1e400,1e-400]', 'overflow and underflow');
    // what JSON.parse alone does to the same text
    assert.equal(JSON.stringify(JSON.parse('[12345678901234567890,1e400]')), '[12345678901234567000,null]');
  });

  test('a number a double holds is an ordinary number', () => {
    const v = parseExactJson(
      '[9007199254740992,4111111111111111,1.5,1e2,-0,0.000000000000000001]',
    ) as unknown[];
    assert.ok(v.every((n) => typeof n === 'number'));
    assert.deepEqual(v, [9007199254740992, 4111111111111111, 1.5, 100, -0, 1e-18]);
  });

  test('an exact number is told apart from an object, and as integer or not', () => {
    const [big, frac, obj] = parseExactJson(
      '[12345678901234567890,1.23456789012345678,{"rawJSON":"1"}]',
    ) as unknown[];
    assert.ok(isExactNumber(big) && isExactInteger(big));
    assert.ok(isExactNumber(frac) && !isExactInteger(frac));
    assert.equal(isExactNumber(obj), false, 'an object that merely has a rawJSON member');
    assert.equal(isExactNumber(12), false);
  });

  test('digits in strings are strings; invalid JSON throws as JSON.parse does', () => {
    assert.deepEqual(parseExactJson('{"card":"12345678901234567890"}'), { card: '12345678901234567890' });
    assert.throws(() => parseExactJson('{"id":12345678901234567890,'), SyntaxError);
  });

  test('a megabyte-long number is read in one pass', () => {
    const text = `[1${'0'.repeat(1 << 20)}1]`;
    assert.equal(roundTrip(text), text);
  });
});
