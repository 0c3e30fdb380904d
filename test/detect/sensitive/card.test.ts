import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardIssuer, classifyValue, validCard } from '../../../src/detect/sensitive/index.ts';
import { found } from './helpers.ts';

test('card: published test numbers of every scheme are recognised with their issuer', () => {
  const cases: readonly [string, string][] = [
    ['4111111111111111', 'visa'],
    ['4222222222222', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'discover'],
    ['6011981111111113', 'discover'],
    ['3530111333300000', 'jcb'],
    ['30569309025904', 'diners'],
    ['36227206271667', 'diners'],
    ['6200000000000005', 'unionpay'],
    ['6205500000000000004', 'unionpay'],
  ];
  for (const [number, issuer] of cases) {
    assert.equal(validCard(number), issuer, number);
    assert.equal(classifyValue(number)?.detail, issuer, number);
  }
});

test('card: spaced, dashed and Amex-grouped forms inside text', () => {
  const text = 'paid with 4242 4242 4242 4242, or 5555-5555-5555-4444; amex 3782 822463 10005.';
  assert.deepEqual(found(text, 'card'), ['4242 4242 4242 4242', '5555-5555-5555-4444', '3782 822463 10005']);
});

test('card: a card next to other numbers in a run is still found', () => {
  assert.deepEqual(found('ref 12 4242 4242 4242 4242 exp 12 28', 'card'), ['4242 4242 4242 4242']);
  assert.deepEqual(found('4242424242424242 1234', 'card'), ['4242424242424242']);
});

test('card: look-alikes are not cards', () => {
  const lookAlikes = [
    '4242424242424241', // fails Luhn
    '5226018159083013', // fails Luhn
    '9301905692239723', // Luhn-valid, no issuer
    '1767225600000', // epoch milliseconds
    '123456789012', // order number
    '550e8400-e29b-41d4-a716-446655440000', // UUID
    'x4242424242424242', // glued to a word
    '42424242424242424242', // 20 digits: part of a longer number
    '3.4242424242424242', // a decimal fraction
    '4242 4242 42 4242 4242', // not a card grouping
  ];
  for (const v of lookAlikes) assert.deepEqual(found(v, 'card'), [], v);
});

test('card: issuer ranges check the length', () => {
  assert.equal(cardIssuer('378282246310005'), 'amex');
  assert.equal(cardIssuer('3782822463100050'), null);
  assert.equal(cardIssuer('5555555555554'), null);
});
