import assert from 'node:assert/strict';
import type { DetectOptions, InjectionKind } from '../../../src/detect/injection/index.ts';
import { detectAll, detectInjection } from '../../../src/detect/injection/index.ts';

/** Assert that `kind` is among the detections of every value. */
export function assertDetected(
  kind: InjectionKind,
  values: readonly string[],
  options?: DetectOptions,
): void {
  for (const v of values) {
    const found = detectAll(v, options);
    assert.ok(
      found.some((d) => d.kind === kind),
      `expected ${kind} in ${JSON.stringify(v)}, got ${JSON.stringify(found)}`,
    );
  }
}

/** Assert that no detector fires on any of the values. */
export function assertClean(values: readonly string[], options?: DetectOptions): void {
  for (const v of values) {
    const found = detectInjection(v, options);
    assert.equal(found, null, `expected no detection in ${JSON.stringify(v)}, got ${JSON.stringify(found)}`);
  }
}
