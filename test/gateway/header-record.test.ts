import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerList, headerRecord } from '../../src/gateway/header-record.ts';

describe('header record', () => {
  test('has no inherited members: Object.prototype names are not in it', () => {
    const h = headerRecord();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      assert.equal(name in h, false, name);
      assert.equal(h[name], undefined, name);
    }
  });

  test('__proto__ and constructor are own keys like any other; the prototype stays put', () => {
    const h = headerRecord();
    const proto = Object.getPrototypeOf(h);
    // keys from variables, as the gateway sets them (h.__proto__ spelled out reads the same)
    const [PROTO, CONSTRUCTOR]: string[] = ['__proto__', 'constructor'];
    h[PROTO!] = ['a', 'b'];
    h[CONSTRUCTOR!] = 'c';
    assert.equal(Object.getPrototypeOf(h), proto);
    assert.deepEqual(h[PROTO!], ['a', 'b']);
    assert.equal(h[CONSTRUCTOR!], 'c');
    assert.deepEqual(Object.keys(h), ['__proto__', 'constructor']);
    assert.equal(Object.hasOwn(h, '__proto__'), true);
  });

  test('keys enumerate in insertion order, as writeHead sends them; records do not share keys', () => {
    const a = headerRecord();
    a['x-request-id'] = '1';
    a['content-type'] = 'application/json';
    a['content-length'] = '2';
    const keys: string[] = [];
    for (const k in a) keys.push(k);
    assert.deepEqual(keys, ['x-request-id', 'content-type', 'content-length']);
    assert.deepEqual(Object.keys(headerRecord()), []);
  });

  test('as a flat list: every name then its value(s), in order, __proto__ included', () => {
    const h = headerRecord();
    const [PROTO]: string[] = ['__proto__'];
    h['content-type'] = 'application/json';
    h[PROTO!] = 'x';
    h['set-cookie'] = ['a=1', 'b=2'];
    assert.deepEqual(headerList(h), [
      'content-type',
      'application/json',
      '__proto__',
      'x',
      'set-cookie',
      ['a=1', 'b=2'],
    ]);
    assert.deepEqual(headerList(headerRecord()), []);
  });
});
