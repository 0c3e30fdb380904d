import type { AnomalyConfig } from '../../config/schema.ts';
import type { SubjectBaseline } from './baseline.ts';
import type { Detection, Detector, Observation } from './types.ts';

/**
 * Traffic spikes: a subject's requests in the open bucket pass both a floor and `multiplier` times
 * its EWMA, once its baseline has `warmupBuckets` buckets (a new client has no "normal" yet).
 */
export function createTrafficSpikeDetector(cfg: AnomalyConfig['trafficSpike']): Detector {
  const spiking = (s: SubjectBaseline): boolean => {
    const b = s.bucket;
    return (
      b.buckets >= cfg.warmupBuckets &&
      b.requests >= cfg.minRequests &&
      b.requests > cfg.multiplier * b.requestAvg
    );
  };
  return {
    name: 'trafficSpike',
    observe(o: Observation): Detection | undefined {
      const s =
        o.consumer !== undefined && spiking(o.consumer) ? o.consumer : spiking(o.ip) ? o.ip : undefined;
      if (s === undefined) return undefined;
      return {
        detector: 'trafficSpike',
        severity: 'medium',
        subject: s.key,
        evidence: `${s.bucket.requests} requests in the open bucket, baseline ${s.bucket.requestAvg.toFixed(1)}`,
        record: o.record,
      };
    },
  };
}
