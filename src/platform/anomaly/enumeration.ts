import type { AnomalyConfig } from '../../config/schema.ts';
import type { Detection, Detector, Observation } from './types.ts';

/** How far above its own baseline a subject's distinct ids per window must go, besides the floor. */
const BASELINE_FACTOR = 3;

/**
 * Enumeration and scraping (the signature of BOLA hunting): on one route with an object id in its
 * path, one subject asks for many distinct ids, or for a run of sequential numeric ids, or gets a
 * high share of 404/403 answers.
 */
export function createEnumerationDetector(cfg: AnomalyConfig['enumeration']): Detector {
  return {
    name: 'enumeration',
    observe(o: Observation): Detection | undefined {
      const r = o.objectRoute;
      if (r === undefined || o.route === undefined) return undefined;
      const subject = o.consumer?.key ?? o.ip.key;
      const fire = (severity: Detection['severity'], evidence: string): Detection => ({
        detector: 'enumeration',
        severity,
        subject,
        evidence: `${evidence} on ${o.route}`.slice(0, 256),
        record: o.record,
      });
      if (r.sequentialRun >= cfg.sequentialRun) {
        return fire('high', `${r.sequentialRun} sequential object ids`);
      }
      const floor = Math.max(cfg.maxDistinctObjects, BASELINE_FACTOR * r.distinctAvg);
      const distinct = r.distinct.estimate();
      if (distinct >= floor) {
        return fire('high', `about ${distinct} distinct object ids in ${cfg.windowSeconds}s`);
      }
      if (r.misses >= cfg.minNotFound && r.misses >= cfg.notFoundRatio * r.requests) {
        return fire('medium', `${r.misses} of ${r.requests} object requests answered 404/403`);
      }
      return undefined;
    },
  };
}
