/**
 * Runtime services that policies share (shared state, the persistent store, …), created once per
 * process before the plan is compiled and handed to every policy factory. Each capability adds its
 * own optional field here when it lands, so that a plan can still be compiled without it
 * (`rampart validate-config` compiles with no services at all).
 */
export interface PolicyServices {
  /** Closed by the gateway on shutdown, in reverse order of creation. */
  readonly closers: (() => Promise<void>)[];
}

/** Services with nothing in them: what validate-config and unit tests compile with. */
export function emptyServices(): PolicyServices {
  return { closers: [] };
}
