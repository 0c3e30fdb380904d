import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkQuery } from '../../src/policies/resource-limits.ts';

const caps = new Map([
  ['limit', 100],
  ['page[size]', 50],
]);
const code = (q: string, max = 5) => {
  const v = checkQuery(q, max, caps);
  return v.kind === 'refuse' ? v.refusal.code : v.kind;
};

describe('query limits', () => {
  test('parameter count', () => {
    assert.equal(code(''), 'continue');
    assert.equal(code('a=1&b=2&c=3&d=4&e=5'), 'continue');
    assert.equal(code('a=1&b=2&c=3&d=4&e=5&f=6'), 'request.query.too_many');
    assert.equal(code('a&&&&&&&&b'), 'continue', 'empty segments do not count');
  });

  test('pagination caps, every occurrence, encoded names too', () => {
    assert.equal(code('limit=100'), 'continue');
    assert.equal(code('limit=101'), 'request.query.page_size');
    assert.equal(code('limit=10&limit=100000'), 'request.query.page_size');
    assert.equal(code('page%5Bsize%5D=51'), 'request.query.page_size');
    assert.equal(code('page[size]=50'), 'continue');
    assert.equal(code('limit=-1'), 'request.query.page_size');
    assert.equal(code('limit=1e9'), 'request.query.page_size');
    assert.equal(code('limit='), 'request.query.page_size');
    assert.equal(code('limit=%zz'), 'request.query.page_size');
    assert.equal(code(`limit=${'9'.repeat(400)}`), 'request.query.page_size');
    assert.equal(code('offset=100000'), 'continue');
  });
});
