import { channel } from 'node:diagnostics_channel';

/** What a policy publishes when the shared state could not answer and its failure mode applied. */
export interface StateFailureEvent {
  readonly policy: string;
  readonly route: string;
  readonly failureMode: 'fail-open' | 'fail-closed';
  readonly error: string;
}

/**
 * `rampart:state:failure`: one message per request that met an unreachable shared state. Metrics
 * and the warning log subscribe here, so the policies stay free of logger and registry wiring.
 */
export const stateFailureChannel = channel('rampart:state:failure');

/** Publish a failure event when anyone listens (free otherwise). */
export function reportStateFailure(event: StateFailureEvent): void {
  if (stateFailureChannel.hasSubscribers) stateFailureChannel.publish(event);
}
