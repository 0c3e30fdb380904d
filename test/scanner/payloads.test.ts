import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectInjection, type InjectionKind } from '../../src/detect/injection/index.ts';
import {
  cmdiSleepPayloads,
  sqlBooleanPairs,
  sqlErrorProbes,
  sqlSleepPayloads,
  TRAVERSAL_SETS,
} from '../../src/scanner/payloads.ts';

// Benign values the checks start from: a word, a number, an email-like and a URL-like value.
const VALUES = ['rampart', '42', 'scan@example.com', 'https://example.com/'];

function flaggedAs(kind: InjectionKind, payload: string): void {
  const d = detectInjection(payload, { kinds: new Set([kind]) });
  assert.ok(d !== null, `${kind} detector misses ${JSON.stringify(payload)}`);
}

describe('scanner payloads agree with the gateway detectors (src/detect/injection)', () => {
  it('every SQL attack payload (boolean and time-based) is flagged as sqli', () => {
    for (const v of VALUES) {
      for (const [t, f] of sqlBooleanPairs(v)) {
        flaggedAs('sqli', t);
        flaggedAs('sqli', f);
      }
      for (const d of [1, 2, 10]) for (const p of sqlSleepPayloads(v, d)) flaggedAs('sqli', p);
    }
  });

  it('every shell payload is flagged as cmdi', () => {
    for (const v of VALUES) for (const p of cmdiSleepPayloads(v, 2)) flaggedAs('cmdi', p);
  });

  it('every traversal payload is flagged as traversal', () => {
    for (const set of TRAVERSAL_SETS) for (const p of set.payloads) flaggedAs('traversal', p);
  });

  it('the error-based probes (a lone quote) and the benign values are not flagged, by design', () => {
    for (const v of VALUES) {
      assert.equal(detectInjection(v), null, v);
      for (const p of sqlErrorProbes(v))
        assert.equal(detectInjection(p, { kinds: new Set(['sqli']) }), null, p);
    }
  });
});
