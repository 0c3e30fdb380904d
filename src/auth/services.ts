import type { SharedState } from '../state/types.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { pepperBytes } from './apikey.ts';
import { KeyService } from './key-service.ts';
import { createLocalRevocations, type RevocationSet, stateRevocations } from './revocation.ts';
import type { AuthConfig } from './schema.ts';

/** The process-wide part of authentication: the key store, the key service and the revocation set. */
export interface AuthServices {
  /** Directory relative paths in `auth` (key files, the SQLite store) resolve against: the config's. */
  readonly baseDir: string;
  readonly revocations: RevocationSet;
  /** Present when `auth.pepper` is set (API keys need both). */
  readonly store: Store | undefined;
  readonly keys: KeyService | undefined;
  /** The shared state (tokens seen issued live there); undefined only outside a gateway. */
  readonly state?: SharedState | undefined;
  close(): Promise<void>;
}

/**
 * Build the auth services for a config: revocations on the shared state when there is one (so a
 * revocation reaches every process), the store and key service when a pepper is configured.
 */
export async function createAuthServices(
  auth: Readonly<AuthConfig>,
  baseDir: string,
  state: SharedState | undefined,
): Promise<AuthServices> {
  const revocations = state === undefined ? createLocalRevocations() : stateRevocations(state);
  let store: Store | undefined;
  let keys: KeyService | undefined;
  if (auth.pepper !== undefined) {
    store = await openStore(auth.store, baseDir);
    keys = new KeyService(store, pepperBytes(auth.pepper), revocations, {
      cacheTtlMs: auth.keyCacheTtlMs,
      touchIntervalMs: auth.lastUsedFlushMs,
    });
  }
  return {
    baseDir,
    revocations,
    store,
    keys,
    state,
    async close() {
      await keys?.close();
      await store?.close();
      await revocations.close();
    },
  };
}
