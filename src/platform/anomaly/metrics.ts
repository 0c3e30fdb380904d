import { Counter, Gauge, type Registry } from 'prom-client';
import type { DetectorName } from './types.ts';
import type { WebhookSender } from './webhook.ts';

/** The engine's Prometheus metrics; every method is a no-op without a registry. */
export interface AnomalyMetrics {
  detection(detector: DetectorName): void;
}

/** Register `rampart_anomaly_*` in `registry`: detections by detector, tracked subjects, webhook outcomes. */
export function createAnomalyMetrics(
  registry: Registry | undefined,
  subjects: () => number,
  webhook: () => WebhookSender | undefined,
): AnomalyMetrics {
  if (registry === undefined) return { detection() {} };
  const registers = [registry];
  const detections = new Counter({
    name: 'rampart_anomaly_detections_total',
    help: 'Anomalies detected (after the per-subject cooldown), by detector',
    labelNames: ['detector'],
    registers,
  });
  new Gauge({
    name: 'rampart_anomaly_subjects',
    help: 'IPs and consumers whose baselines are tracked',
    registers,
    collect() {
      this.set(subjects());
    },
  });
  new Gauge({
    name: 'rampart_anomaly_alerts',
    help: 'Webhook alerts by outcome since start (delivered, failed after retries, dropped on a full queue, queued)',
    labelNames: ['outcome'],
    registers,
    collect() {
      const w = webhook();
      if (w === undefined) return;
      this.set({ outcome: 'delivered' }, w.delivered);
      this.set({ outcome: 'failed' }, w.failed);
      this.set({ outcome: 'dropped' }, w.dropped);
      this.set({ outcome: 'queued' }, w.queued);
    },
  });
  return {
    detection(detector) {
      detections.inc({ detector });
    },
  };
}
