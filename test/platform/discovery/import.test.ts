import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { observationsFromAccessLog, observationsFromHar } from '../../../src/platform/discovery/import.ts';
import { Inventory } from '../../../src/platform/discovery/inventory.ts';

test('untrusted HAR and log input never throws and every observation is usable', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ maxLength: 2000 }), (har, log) => {
      const inv = new Inventory();
      const a = observationsFromHar(har);
      const b = observationsFromAccessLog(log);
      for (const o of [...a.observations, ...b.observations]) inv.observe(o);
      inv.endpoints();
      assert.ok(a.skipped >= 0 && b.skipped >= 0);
    }),
    { numRuns: 300 },
  );
  // shaped like HAR, with hostile fields
  const hostile = {
    log: {
      entries: [
        { request: { method: 'GET', url: 'not a url' }, response: { status: 200 } },
        { request: { method: 'GET', url: 'http://x/a' }, response: { status: 'x', content: 5 } },
        { request: { method: '__proto__', url: 'http://x/b' }, response: {} },
        null,
      ],
    },
  };
  const r = observationsFromHar(hostile);
  assert.equal(r.observations.length, 2);
  assert.equal(r.skipped, 2);
  const inv = new Inventory();
  for (const o of r.observations) inv.observe(o);
  assert.deepEqual(
    inv.endpoints().map((e) => e.path),
    ['/a'],
    'a method that is not a token is ignored',
  );
});
