/** The contract between the runner and a benchmark row. */

/** What a row is given to start its server under test. */
export interface RowContext {
  /** The repository root (absolute). */
  readonly repoRoot: string;
  /** Origin of the running bench upstream, e.g. `http://127.0.0.1:40123`. */
  readonly upstreamUrl: string;
  /** A scratch directory removed when the runner exits. */
  readonly tmpDir: string;
  /** The cpu list for `taskset -c` of the proxy under test, or null when not pinning. */
  readonly proxyCpu: string | null;
  /**
   * The cpu list of the load generator and the upstream, where a row's own backing services (the
   * Redis of rows r and l) run too: off the proxy's core, as on their own machines in production.
   */
  readonly loadCpu?: string | null;
  /**
   * A command prefix for the process under test, e.g. `valgrind --tool=callgrind …` (bench/instructions.ts).
   * Only the rows Node runs (bench/lib/node-rows.ts) apply it; the others ignore it.
   */
  readonly wrap?: readonly string[];
  /** How long the process under test may take to listen, in ms (a wrapped one starts far slower). */
  readonly readyMs?: number;
  log(message: string): void;
}

/** A started server under test. */
export interface Target {
  /** Origin the load generator hits. */
  readonly url: string;
  /** Headers every request of this row carries (credentials of a row with policies). */
  readonly headers: Readonly<Record<string, string>>;
  /** A short note for the table, e.g. the nginx version. */
  readonly note?: string;
  /** The process serving the row, when the runner started one (bench/cpu-cost.ts reads its CPU time). */
  readonly pid?: number;
  /** The processes of the row's own backing services (the Redis of rows r and l): bench/cpu-cost.ts reads their CPU time too. */
  readonly servicePids?: readonly number[];
  stop(): Promise<void>;
}

/** A row that could not start, and why (shown in the table instead of figures). */
export interface Skipped {
  readonly skip: string;
}

/** One row of the benchmark table. */
export interface RowSpec {
  /** One letter, as in issue 2: a, b, c, d, e. */
  readonly key: string;
  readonly label: string;
  /** The scenarios this row serves, when not all (its API declares only those routes). */
  readonly scenarios?: readonly string[];
  start(ctx: RowContext): Promise<Target | Skipped>;
}

/** Whether a row is measured on a scenario: rows serve every shared scenario, and a row-specific one only when they list it. */
export function serves(
  row: RowSpec,
  scenario: { readonly key: string; readonly exclusive?: boolean },
): boolean {
  if (row.scenarios !== undefined) return row.scenarios.includes(scenario.key);
  return scenario.exclusive !== true;
}
