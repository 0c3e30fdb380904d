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
import { type JwksServer, startJwksServer } from '../auth/jwks-server.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { authConfig, OPENAPI, PEPPER, shopUpstream, signer } from './auth-fixture.ts';

/** A gateway started in-process with real services (store, key service, revocations). */
export interface AuthGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly dir: string;
  readonly services: PolicyServices;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Like test/helpers/gateway.ts startTestGateway, but the config text is whole and services are created. */
export async function startAuthGateway(options: {
  config: (dir: string) => string;
  files?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  dir?: string;
}): Promise<AuthGateway> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'rampart-auth-')));
  for (const [name, content] of Object.entries(options.files ?? {}))
    await writeFile(join(dir, name), content);
  const file = join(dir, 'rampart.yaml');
  const text = options.config(dir);
  await writeFile(file, text);
  const loaded = await parseConfig(text, file, options.env ?? {});
  const services = await createServices(loaded.config, loaded.dir);
  let gateway: Gateway;
  const logs: Record<string, unknown>[] = [];
  try {
    const plan = await compilePlan(loaded, { services });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line));
        cb();
      },
    });
    gateway = await startGateway(plan, {
      logger: createLogger({ level: 'warn' }, sink),
      metrics: createMetrics(),
      services,
    });
  } catch (err) {
    await closeServices(services);
    throw err;
  }
  return {
    gateway,
    url: gateway.listeners[0]!.url,
    dir,
    services,
    logs,
    close: async () => {
      await gateway.close(1000);
      await closeServices(services);
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The problem+json `code` of a response, or undefined. */
export async function codeOf(res: Response): Promise<string | undefined> {
  const text = await res.text();
  try {
    return (JSON.parse(text) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/** The shop fixture whole: its upstream, a JWKS server with its signer, and the gateway in front. */
export interface ShopGateway {
  readonly up: TestUpstream;
  readonly jwks: JwksServer;
  readonly gw: AuthGateway;
  readonly s: Awaited<ReturnType<typeof signer>>;
  close(): Promise<void>;
}

/** Start the shop fixture; `edit` may change the gateway config text (authConfig's). */
export async function startShop(edit: (config: string) => string = (c) => c): Promise<ShopGateway> {
  const s = await signer();
  const up = await startUpstream();
  up.handler = shopUpstream;
  const jwks = await startJwksServer([s.key.jwk]);
  const gw = await startAuthGateway({
    config: () => edit(authConfig(up.url, jwks.url)),
    files: { 'openapi.yaml': OPENAPI },
    env: { PEPPER },
  });
  return {
    up,
    jwks,
    gw,
    s,
    close: async () => {
      await gw.close();
      await jwks.close();
      await up.close();
    },
  };
}
