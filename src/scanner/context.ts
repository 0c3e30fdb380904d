/** What checks see: the plan (no network, for --dry-run) and the live context of a running scan. */
import type { Operation } from '../openapi/operations.ts';
import type { Canary } from './canary.ts';
import type { ScanConfig } from './config.ts';
import type { GraphqlArg } from './graphql.ts';
import type { Exchange, ScanRequest } from './http.ts';
import type { DecodedJwt } from './jwt.ts';
import type { CheckMeta, CheckUnit, Evidence, Severity } from './types.ts';

/** The scan as planned from the document and config alone. */
export interface ScanPlan {
  readonly config: ScanConfig;
  /** Operations in scope (skips removed), in document order. */
  readonly operations: readonly Operation[];
  readonly loginOperation: Operation | undefined;
  /** One operation per GraphQL endpoint (the document's, then config-named ones not in it). */
  readonly graphqlEndpoints: readonly Operation[];
  isAdmin(op: Operation): boolean;
}

/** A test identity after authentication. */
export interface Identity {
  readonly name: string;
  readonly role: string;
  readonly privileged: boolean;
  /** Credential headers (Authorization, an API key header, Cookie). */
  readonly headers: Readonly<Record<string, string>>;
  /** Credential query parameters (an API key in the query). */
  readonly query: readonly (readonly [string, string])[];
  /** The bearer token, when there is one. */
  readonly token: string | undefined;
  readonly jwt: DecodedJwt | undefined;
  /** Login body (credentials) when the identity logs in. */
  readonly loginBody: Readonly<Record<string, unknown>> | undefined;
  /** Path-parameter values of objects this identity owns, by operation path template. */
  readonly owned: Map<string, string[]>;
  /** Per-identity seeds from the config (by param name or operationId.param). */
  readonly seeds: Readonly<Record<string, string | number>>;
}

/** How to build one request for an operation. */
export interface BuildOptions {
  /** Whose credentials; null for none. */
  readonly identity: Identity | null;
  /** Path parameter values (raw, encoded by the builder). */
  readonly path?: Readonly<Record<string, string>>;
  /** Query parameters to set (replacing generated ones). */
  readonly query?: Readonly<Record<string, string>>;
  /** A JSON value, or a raw string/Buffer sent as is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send the body without the identity's own credential headers/query. */
  readonly withoutCredentials?: boolean;
  /** Override the method (method swapping). */
  readonly method?: string;
}

/** A finding as a check reports it; the engine adds the check's metadata. */
export interface Report {
  readonly op: Operation | null;
  /** Distinguishes findings of one check on one operation (e.g. the parameter name). */
  readonly key?: string;
  readonly message: string;
  readonly evidence: readonly Evidence[];
  readonly severity?: Severity;
}

/** The live scan as a check uses it. */
export interface ScanContext extends ScanPlan {
  /** The target's base URL. */
  readonly target: URL;
  readonly identities: readonly Identity[];
  /** Identities without a privileged role, in config order. */
  readonly lowPrivileged: readonly Identity[];
  readonly canary: Canary;
  /** Send through the bounded client (rate cap, budget, origin check, timeout). */
  send(req: ScanRequest, options?: { timeoutMs?: number }): Promise<Exchange>;
  /** Build a request; undefined when a path parameter has no known value. */
  build(op: Operation, options: BuildOptions): ScanRequest | undefined;
  /** Path values of an object `identity` owns for this operation, when known. */
  ownedBy(op: Operation, identity: Identity): Record<string, string> | undefined;
  /** The normal response of an operation for an identity (cached; undefined when it cannot be built). */
  baseline(op: Operation, identity: Identity | null): Promise<Exchange | undefined>;
  /** Turn an exchange into redacted evidence. */
  evidence(exchange: Exchange, note?: string): Evidence;
  /** Register a value that must never appear in evidence. */
  secret(value: string): void;
  /** Record a finding for `meta`. */
  report(meta: CheckMeta, report: Report): void;
  /** The argument injection points of a GraphQL endpoint (schema from SDL or introspection; cached; [] when unknown). */
  graphqlArgs(op: Operation): Promise<readonly GraphqlArg[]>;
}

/** A check: metadata, the units it plans (pure), and how it runs one unit. */
export interface Check {
  readonly meta: CheckMeta;
  /** Lower runs first: passive reads, then probes, then bursts, then state-changing tests, then logins. */
  readonly order: number;
  units(plan: ScanPlan): CheckUnit[];
  run(unit: CheckUnit, ctx: ScanContext): Promise<void>;
}
