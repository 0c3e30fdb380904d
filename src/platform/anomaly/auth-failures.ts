import type { AnomalyConfig } from '../../config/schema.ts';
import { isAuthFailure, type SubjectBaseline } from './baseline.ts';
import type { Detection, Detector, Observation } from './types.ts';

/**
 * Authentication failure spikes: a subject's 401/403 answers in the open bucket pass both a floor
 * and `multiplier` times its EWMA (token guessing, a leaked key tried everywhere, privilege probing).
 */
export function createAuthFailureDetector(cfg: AnomalyConfig['authFailures']): Detector {
  const spiking = (s: SubjectBaseline): boolean => {
    const b = s.bucket;
    return b.authFailures >= cfg.minFailures && b.authFailures > cfg.multiplier * b.authFailureAvg;
  };
  return {
    name: 'authFailures',
    observe(o: Observation): Detection | undefined {
      if (!isAuthFailure(o.record.status, o.record.code)) return undefined;
      const s =
        o.consumer !== undefined && spiking(o.consumer) ? o.consumer : spiking(o.ip) ? o.ip : undefined;
      if (s === undefined) return undefined;
      return {
        detector: 'authFailures',
        severity: 'high',
        subject: s.key,
        evidence: `${s.bucket.authFailures} 401/403 answers in the open bucket, baseline ${s.bucket.authFailureAvg.toFixed(1)}`,
        record: o.record,
      };
    },
  };
}
