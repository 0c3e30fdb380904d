import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectNoSqlKey } from '../../../src/detect/injection/index.ts';
import { assertClean, assertDetected } from './helpers.ts';

test('nosqli: operators inside JSON-looking values and qs syntax', () => {
  assertDetected('nosqli', [
    '{"$ne": null}',
    '{ $ne: 1 }',
    "{$gt: ''}",
    '[$ne]=1',
    "$where: '1 == 1'",
    "', $or: [ {}, { 'a':'a",
    '{"username": {"$regex": "^adm"}}',
  ]);
});

test('nosqli: server-side JavaScript', () => {
  assertDetected('nosqli', [
    "' && this.password.match(/.*/)//+%00",
    '|| 1==1',
    'db.injection.insert({success:1});',
    "';it=new%20Date();do{pt=new%20Date();}while(pt-it<5000);",
  ]);
});

test('detectNoSqlKey: operator keys and bracket keys', () => {
  for (const key of ['$ne', '$where', '$GT', 'password[$ne]', 'a[b][$regex]']) {
    const d = detectNoSqlKey(key);
    assert.ok(d !== null, key);
    assert.equal(d.kind, 'nosqli');
  }
  for (const key of ['name', '$ref', '$schema', 'price$', 'a[b]', 'a[$unknown]', '']) {
    assert.equal(detectNoSqlKey(key), null, key);
  }
});

test('nosqli: prices, currency and template variables stay clean', () => {
  assertClean([
    '$5 - $10',
    'Free shipping on orders > $50',
    '${HOME} variable in shell docs',
    'in $in we trust',
    '{"price": "$20"}',
  ]);
});
