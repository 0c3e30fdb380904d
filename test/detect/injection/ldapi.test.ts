import { test } from 'node:test';
import { assertClean, assertDetected } from './helpers.ts';

test('ldapi: filter breakouts', () => {
  assertDetected('ldapi', [
    '*)(uid=*))(|(uid=*',
    'admin)(&)',
    '*)(|(objectclass=*)',
    '*(|(mail=*))',
    'x)(!(cn=a',
  ]);
});

test('ldapi: parentheses in prose stay clean', () => {
  assertClean([
    'Size 9 1/2 (US) / 43 (EU)',
    'Group of 4 (adults)',
    'Update: the parcel arrived damaged :(',
    'f(a)(b) is curried',
    '(see note)(2)',
  ]);
});
