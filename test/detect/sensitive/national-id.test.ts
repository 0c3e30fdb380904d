import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bsnValid,
  classifyValue,
  dniLetterValid,
  sinValid,
  ssnDigitsValid,
} from '../../../src/detect/sensitive/index.ts';
import { found } from './helpers.ts';

test('ssn: valid dashed and spaced numbers are found', () => {
  assert.deepEqual(found('SSN 123-45-6789 and 078 12 3456.', 'ssn'), ['123-45-6789', '078 12 3456']);
  assert.equal(classifyValue('536-90-4399')?.type, 'ssn');
});

test('ssn: area 000, 666 and 9xx, group 00 and serial 0000 are not SSNs', () => {
  for (const v of [
    '000-12-3456',
    '666-12-3456',
    '912-34-5678',
    '123-00-4567',
    '123-45-0000',
    '078-05-1120',
  ]) {
    assert.equal(classifyValue(v), null, v);
  }
});

test('ssn: dates, phone numbers and longer dashed numbers are not SSNs', () => {
  for (const v of ['2026-01-15', '415-555-2671', '1-123-45-6789', '123-45-6789-0', '123-45-67890']) {
    assert.deepEqual(found(v, 'ssn'), [], v);
  }
});

test('ssn: a bare 9-digit value is an SSN only under an ssn-like field name', () => {
  assert.equal(classifyValue('536904399'), null);
  assert.equal(classifyValue('536904399', { fieldName: 'ssn' })?.type, 'ssn');
  assert.equal(classifyValue('000904399', { fieldName: 'ssn' }), null);
  assert.equal(ssnDigitsValid('536904399'), true);
});

test('national id: UK NINO with allocation rules', () => {
  assert.equal(classifyValue('AB 12 34 56 C')?.detail, 'GB');
  assert.equal(classifyValue('AB123456C')?.detail, 'GB');
  for (const v of ['QQ123456C', 'GB123456A', 'AB123456E', 'AO123456A'])
    assert.equal(classifyValue(v), null, v);
});

test('national id: Canadian SIN (Luhn) when formatted', () => {
  assert.equal(classifyValue('130-692-544')?.detail, 'CA');
  assert.equal(classifyValue('130 692 544')?.detail, 'CA');
  assert.equal(classifyValue('130-692-545'), null);
  assert.equal(sinValid('130692544'), true);
  // 046 454 286 is the government's fictitious example: 0 is never a first digit.
  assert.equal(sinValid('046454286'), false);
});

test('national id: Spanish DNI and NIE control letters', () => {
  assert.equal(classifyValue('12345678Z')?.detail, 'ES');
  assert.equal(classifyValue('X1234567L')?.detail, 'ES');
  assert.equal(classifyValue('12345678A'), null);
  assert.equal(dniLetterValid('12345678', 'Z'), true);
});

test('national id: Dutch BSN 11-test only under a field name', () => {
  assert.equal(bsnValid('111222333'), true);
  assert.equal(bsnValid('111222334'), false);
  assert.equal(classifyValue('111222333'), null);
  assert.equal(classifyValue('111222333', { fieldName: 'bsn' })?.detail, 'NL');
});
