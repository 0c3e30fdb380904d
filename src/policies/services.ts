import type { GraphQLSchema } from 'graphql';
import { type AuthServices, createAuthServices } from '../auth/services.ts';
import type { RampartConfig } from '../config/schema.ts';
import { introspectConfigSchemas } from '../graphql/introspect.ts';
import { createState, DEFAULT_STATE } from '../state/index.ts';
import { MemoryState } from '../state/memory.ts';
import type { SharedState } from '../state/types.ts';

/**
 * Runtime services that policies share (shared state, the persistent store, …), created once per
 * process before the plan is compiled and handed to every policy factory. Each capability adds its
 * own optional field here when it lands, so that a plan can still be compiled without it
 * (`rampart validate-config` compiles with no services at all).
 */
export interface PolicyServices {
  /** Closed by the gateway on shutdown, in reverse order of creation. */
  readonly closers: (() => Promise<void>)[];
  /** Counters, blocklist, revocations, broadcast: memory by default, Redis with `state.url`. */
  state?: SharedState;
  /** Key store, key service and revocations, when the config has an `auth` section. */
  auth?: AuthServices;
  /** GraphQL schemas introspected from upstreams at start (`graphql.schema: introspect`), by introspectionKey. */
  graphqlSchemas?: ReadonlyMap<string, GraphQLSchema>;
}

/** Services with nothing in them: what validate-config and unit tests compile with. */
export function emptyServices(): PolicyServices {
  return { closers: [] };
}

/**
 * Create the services a config asks for (memory state by default). Capabilities add their own
 * construction here; each registers its close function in `closers`.
 */
export async function createServices(
  config: Readonly<RampartConfig>,
  baseDir: string = process.cwd(),
): Promise<PolicyServices> {
  const services = emptyServices();
  const state = await createState(config.state ?? DEFAULT_STATE);
  services.state = state;
  services.closers.push(() => state.close());
  if (config.auth !== undefined) {
    const auth = await createAuthServices(config.auth, baseDir, state);
    services.auth = auth;
    services.closers.push(() => auth.close());
  }
  try {
    services.graphqlSchemas = await introspectConfigSchemas(config, baseDir);
  } catch (e) {
    await closeServices(services);
    throw e;
  }
  return services;
}

const fallbackStates = new WeakMap<PolicyServices, SharedState>();

/**
 * The shared state of these services; services built without one (validate-config, in-process
 * tests) get one memory state of their own, shared by every route compiled against them.
 */
export function sharedState(services: PolicyServices): SharedState {
  if (services.state !== undefined) return services.state;
  let s = fallbackStates.get(services);
  if (s === undefined) {
    s = new MemoryState();
    fallbackStates.set(services, s);
  }
  return s;
}

/** Close services in reverse order of creation, never throwing. */
export async function closeServices(services: PolicyServices): Promise<void> {
  for (const close of [...services.closers].reverse()) {
    try {
      await close();
    } catch {
      // a failing close must not keep the process from stopping
    }
  }
}
