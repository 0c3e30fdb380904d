import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTraceparent, parseTraceparent } from '../../../src/platform/telemetry/traceparent.ts';

const ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

test('parses a version-00 traceparent and writes it back', () => {
  const ctx = parseTraceparent(`00-${ID}-${SPAN}-01`);
  assert.deepEqual(ctx, { traceId: ID, spanId: SPAN, traceFlags: 1, isRemote: true });
  assert.equal(formatTraceparent(ctx!), `00-${ID}-${SPAN}-01`);
  // only the sampled bit of the flags is kept
  assert.equal(parseTraceparent(`00-${ID}-${SPAN}-03`)?.traceFlags, 1);
  assert.equal(formatTraceparent({ traceId: ID, spanId: SPAN, traceFlags: 0 }), `00-${ID}-${SPAN}-00`);
});

test('refuses malformed, all-zero, repeated and unknown-version headers', () => {
  for (const bad of [
    undefined,
    '',
    `01-${ID}-${SPAN}-01`,
    `00-${ID.toUpperCase()}-${SPAN}-01`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${ID}-${'0'.repeat(16)}-01`,
    `00-${ID}-${SPAN}-1`,
    `00-${ID}-${SPAN}-01 `,
    `00-${ID}-${SPAN}-01-extra`,
    'x'.repeat(100_000),
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad).slice(0, 80));
  }
  assert.equal(parseTraceparent([`00-${ID}-${SPAN}-01`, `00-${ID}-${SPAN}-01`]), undefined);
});
