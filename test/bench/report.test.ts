import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedRatios, type RowOutcome } from '../../bench/lib/report.ts';

/** One round: rows (b) and (c) with the given req/s on the `get` scenario. */
function round(b: number, c: number | null): RowOutcome[] {
  const row = (key: string, rps: number | null): RowOutcome => ({
    key,
    label: key,
    note: null,
    cells: new Map([
      [
        'get',
        rps === null
          ? { missing: 'skipped' }
          : { result: { rps, p50Ms: 1, p99Ms: 2, requests: rps, non2xx: 0, socketErrors: 0 } },
      ],
    ]),
  });
  return [row('b', b), row('c', c)];
}

test("the paired ratio is the median of each round's own ratio, not the ratio of the medians", () => {
  // the machine slows down: both rows fall together, the per-round ratio stays near 0.95
  const rounds = [round(20_000, 19_000), round(15_000, 14_300), round(10_000, 9_400), round(9_000, 9_900)];
  assert.deepEqual(pairedRatios('get', rounds, [['c', 'b']]), ['c/b = 0.95']);
});

test('no paired ratio from fewer than three rounds with both rows measured', () => {
  assert.deepEqual(pairedRatios('get', [round(10, 9), round(10, 9)], [['c', 'b']]), []);
  assert.deepEqual(pairedRatios('get', [round(10, 9), round(10, null), round(10, 9)], [['c', 'b']]), []);
  assert.deepEqual(pairedRatios('post', [round(10, 9), round(10, 9), round(10, 9)], [['c', 'b']]), []);
});
