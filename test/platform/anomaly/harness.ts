import { type AnomalyDeps, createAnomalyEngine } from '../../../src/platform/anomaly/engine.ts';
import { clock, memoryLogger, only } from './fixtures.ts';

/** An engine with one detector enabled, a settable clock and a memory logger. */
export function oneDetector(
  detector: string,
  settings: Record<string, unknown> = {},
  deps: Partial<AnomalyDeps> = {},
) {
  const c = clock();
  const logger = memoryLogger();
  const e = createAnomalyEngine(only(detector, settings), {
    state: undefined,
    keys: undefined,
    events: undefined,
    logger,
    now: c.now,
    ...deps,
  });
  return { e, c, logger };
}
