import type { AnomalyConfig } from '../../config/schema.ts';
import type { AccessRecord } from '../../gateway/handler.ts';
import type { Severity } from '../events/types.ts';
import type { RouteStats, SubjectBaseline } from './baseline.ts';

/** The detectors, by their config key. */
export type DetectorName =
  | 'enumeration'
  | 'credentialStuffing'
  | 'authFailures'
  | 'trafficSpike'
  | 'adminRoutes';

/** The event code of each detector. */
export const DETECTION_CODES: Readonly<Record<DetectorName, string>> = Object.freeze({
  enumeration: 'anomaly.enumeration',
  credentialStuffing: 'anomaly.credential_stuffing',
  authFailures: 'anomaly.auth_failures',
  trafficSpike: 'anomaly.traffic_spike',
  adminRoutes: 'anomaly.admin_routes',
});

/** One access record with what the engine derived from it, handed to every detector. */
export interface Observation {
  readonly now: number;
  readonly record: AccessRecord;
  /** `api:routeId`, or undefined when no route matched. */
  readonly route: string | undefined;
  /** The baseline of the client IP (already counting this request). */
  readonly ip: SubjectBaseline;
  /** The baseline of the consumer, when the caller authenticated. */
  readonly consumer: SubjectBaseline | undefined;
  /** The object id in the path (the last path parameter), when the route has one. */
  readonly objectId: string | undefined;
  /** The route window of the primary subject (consumer, else IP) for that object route. */
  readonly objectRoute: RouteStats | undefined;
}

/** What a detector found: who, how bad, and a short redacted explanation. */
export interface Detection {
  readonly detector: DetectorName;
  readonly severity: Severity;
  /** The subject the detection is about, e.g. `ip:192.0.2.1`, `consumer:alice`, `username:…`. */
  readonly subject: string;
  /** Why it fired, bounded and without credentials. */
  readonly evidence: string;
  /** The request that tipped it over. */
  readonly record: AccessRecord;
}

/** A compiled detector: sees every observation, O(1), never throws on well-formed input. */
export interface Detector {
  readonly name: DetectorName;
  observe(o: Observation): Detection | undefined;
}

/** The config of one detector (the fields every detector has). */
export type DetectorSettings = AnomalyConfig[DetectorName];
