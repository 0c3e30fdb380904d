import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyValue, ibanChecksumValid, ibanLength } from '../../../src/detect/sensitive/index.ts';
import { found } from './helpers.ts';

test('iban: registry examples of several countries, compact and grouped', () => {
  for (const v of [
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
    'BE68539007547034',
    'NO9386011117947',
    'DE89 3704 0044 0532 0130 00',
  ]) {
    const m = classifyValue(v);
    assert.equal(m?.type, 'iban', v);
    assert.equal(m?.detail, v.slice(0, 2));
  }
  assert.deepEqual(found('Pay to GB82 WEST 1234 5698 7654 32 by Friday', 'iban'), [
    'GB82 WEST 1234 5698 7654 32',
  ]);
});

test('iban: wrong check digits, wrong length or unknown country are refused', () => {
  assert.equal(classifyValue('DE88370400440532013000'), null);
  assert.equal(classifyValue('DE8937040044053201300'), null);
  assert.equal(classifyValue('DE893704004405320130001'), null);
  assert.equal(classifyValue('XX89370400440532013000'), null);
  assert.equal(classifyValue('de89370400440532013000'), null);
});

test('iban: checksum and length helpers', () => {
  assert.equal(ibanChecksumValid('DE89370400440532013000'), true);
  assert.equal(ibanChecksumValid('DE00370400440532013000'), false);
  assert.equal(ibanLength('DE'), 22);
  assert.equal(ibanLength('US'), undefined);
});
