import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFieldName, fieldSuggestsHash } from '../../../src/detect/sensitive/index.ts';

test('field name: secret and personal fields in any naming style', () => {
  const cases: readonly [string, string][] = [
    ['password', 'secret_field'],
    ['passwd', 'secret_field'],
    ['userPassword', 'secret_field'],
    ['new_password_confirmation', 'secret_field'],
    ['secret', 'secret_field'],
    ['client_secret', 'secret_field'],
    ['accessToken', 'secret_field'],
    ['refresh-token', 'secret_field'],
    ['passwordHash', 'password_hash'],
    ['hashed_password', 'password_hash'],
    ['ssn', 'ssn'],
    ['socialSecurityNumber', 'ssn'],
    ['card_number', 'card'],
    ['cardNumber', 'card'],
    ['cvv', 'card'],
    ['pan', 'card'],
    ['api_key', 'api_key'],
    ['X-API-Key', 'api_key'],
    ['apiKey', 'api_key'],
    ['privateKey', 'private_key'],
    ['iban', 'iban'],
    ['email', 'email'],
    ['contactEmail', 'email'],
    ['phone_number', 'phone'],
    ['ipAddress', 'ip'],
    ['bsn', 'national_id'],
    ['id_token', 'jwt'],
  ];
  for (const [name, type] of cases) assert.equal(classifyFieldName(name), type, name);
});

test('field name: fields about a secret, cursors and generic names are not secrets', () => {
  for (const name of [
    'token_type',
    'expires_in',
    'next_page_token',
    'password_changed_at',
    'passwordPolicy',
    'email_verified',
    'key',
    'id',
    'name',
    'passport',
    'cc',
    'tokens',
    '',
    '___',
  ]) {
    assert.equal(classifyFieldName(name), null, name);
  }
});

test('field name: hash hints', () => {
  assert.equal(fieldSuggestsHash('password_sha256'), true);
  assert.equal(fieldSuggestsHash('digest'), true);
  assert.equal(fieldSuggestsHash('commit'), false);
});
