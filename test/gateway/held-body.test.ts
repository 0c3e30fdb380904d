import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeldBodyView } from '../../src/gateway/held-body.ts';

describe('held response body', () => {
  test('parses JSON bytes once and hands every filter the same value', () => {
    const body = new HeldBodyView('application/json', false, Buffer.from('{"a":1}'));
    const first = body.json();
    assert.deepEqual(first, { value: { a: 1 } });
    assert.equal(body.json(), first);
    assert.equal(body.jsonReplaced, false);
  });

  test('is not JSON when the media type is not, the body is encoded, or the bytes do not parse', () => {
    assert.equal(new HeldBodyView('text/plain', false, Buffer.from('{"a":1}')).json(), undefined);
    assert.equal(new HeldBodyView('application/json', true, Buffer.from('{"a":1}')).json(), undefined);
    assert.equal(new HeldBodyView('application/json', false, Buffer.from('{"a":')).json(), undefined);
    assert.deepEqual(new HeldBodyView('application/problem+json', false, Buffer.from('[1]')).json(), {
      value: [1],
    });
  });

  test('new bytes from a filter are what later filters read and parse', () => {
    const body = new HeldBodyView('application/json', false, Buffer.from('{"a":1}'));
    body.json();
    body.replaceBytes(Buffer.from('{"b":2}'));
    assert.equal(body.bytes.toString(), '{"b":2}');
    assert.deepEqual(body.json(), { value: { b: 2 } });
    assert.equal(body.jsonReplaced, false);
  });

  test('a new JSON value marks the bytes stale and serializes as sent', () => {
    const body = new HeldBodyView('application/json', false, Buffer.from('{"a":1}'));
    body.replaceJson({ a: 'masked' });
    assert.equal(body.jsonReplaced, true);
    assert.deepEqual(body.json(), { value: { a: 'masked' } });
    assert.equal(body.serialized(), '{"a":"masked"}');
    body.replaceJson(undefined);
    assert.equal(body.serialized(), 'null');
  });

  test('keeps its accessors on the prototype: a body per response allocates no accessor pair', () => {
    // getters on an object literal are own properties, one AccessorPair each in V8's old space;
    // a held response a request then drove full mark-compacts under load (docs/benchmarks.md)
    const body = new HeldBodyView('application/json', false, Buffer.from('{}'));
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(body)))
      assert.equal(d.get ?? d.set, undefined, `own accessor ${name}`);
    assert.equal(typeof Object.getOwnPropertyDescriptor(HeldBodyView.prototype, 'bytes')?.get, 'function');
  });
});
