/**
 * A variant of test/helpers/gateway.ts whose gateway is compiled against real services (shared
 * state from the config's `state:` section), as the CLI does, so limits and blocks use them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices, type PolicyServices } from '../../src/policies/services.ts';
import { TEST_OPENAPI } from '../helpers/gateway.ts';

/** A gateway started in-process with its services. */
export interface ServicedGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly services: PolicyServices;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Write the config and document to a temp dir, create the services, compile and start on 127.0.0.1:0. */
export async function startServicedGateway(options: {
  upstreamUrl: string;
  openapi?: string;
  apiExtra?: string;
  extraConfig?: string;
}): Promise<ServicedGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-rl-'));
  await writeFile(join(dir, 'openapi.yaml'), options.openapi ?? TEST_OPENAPI);
  const text = `listeners:
  - { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app:
    url: ${options.upstreamUrl}
    headersTimeoutMs: 2000
    bodyTimeoutMs: 2000
    connectTimeoutMs: 1000
apis:
  - name: test
    openapi: ./openapi.yaml
    upstream: app
${options.apiExtra ?? ''}
${options.extraConfig ?? ''}
`;
  const file = join(dir, 'rampart.yaml');
  await writeFile(file, text);
  const loaded = await parseConfig(text, file, {});
  const services = await createServices(loaded.config);
  const plan = await compilePlan(loaded, { services });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line));
      cb();
    },
  });
  const gateway = await startGateway(plan, {
    logger: createLogger({ level: 'info' }, sink),
    metrics: createMetrics(),
  });
  return {
    gateway,
    url: gateway.listeners[0]!.url,
    services,
    logs,
    close: async () => {
      await gateway.close(1000);
      await closeServices(services);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
