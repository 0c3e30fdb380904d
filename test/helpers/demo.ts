import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type DemoApi, startDemoApi } from '../../examples/demo-api/server.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { AccessRecord } from '../../src/gateway/handler.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices, type PolicyServices } from '../../src/policies/services.ts';

/** examples/demo.yaml: the config `rampart demo` runs. */
export const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

/** Two demo APIs (one to attack directly, one behind the gateway) and the gateway with demo.yaml. */
export interface DemoPair {
  readonly direct: DemoApi;
  readonly behind: DemoApi;
  readonly gateway: Gateway;
  readonly services: PolicyServices;
  /** The gateway's base URL. */
  readonly gw: string;
  close(): Promise<void>;
}

/** Start the demo directly and behind the gateway (demo.yaml, or `config`), on 127.0.0.1 ephemeral ports, with silent logs. */
export async function startDemoPair(
  config: string = DEMO_CONFIG,
  options: { readonly onRecord?: (record: AccessRecord) => void } = {},
): Promise<DemoPair> {
  const direct = await startDemoApi({ quiet: true });
  const behind = await startDemoApi({ quiet: true });
  const loaded = await loadConfig(config, {
    RAMPART_DEMO_PORT: '0',
    RAMPART_DEMO_ADMIN_PORT: '0',
    RAMPART_DEMO_UPSTREAM: behind.url,
  });
  const services = await createServices(loaded.config, loaded.dir);
  const plan = await compilePlan(loaded, { services });
  const gateway = await startGateway(plan, {
    logger: createLogger({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() })),
    metrics: createMetrics(),
    services,
    ...(options.onRecord === undefined ? {} : { onRecord: options.onRecord }),
  });
  return {
    direct,
    behind,
    gateway,
    services,
    gw: gateway.listeners[0]!.url,
    close: async () => {
      await gateway.close(1000);
      await closeServices(services);
      await direct.close();
      await behind.close();
    },
  };
}
