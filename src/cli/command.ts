/** Where a command writes: injected so that tests can capture output without a subprocess. */
export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** One `rampart <name>` command. `run` returns the process exit code; it never calls process.exit. */
export interface Command {
  readonly name: string;
  /** One line for `rampart --help`. */
  readonly summary: string;
  /** The full text of `rampart <name> --help`, including options and exit codes. */
  readonly help: string;
  run(argv: readonly string[], io: CommandIO): Promise<number>;
}

/** Exit codes shared by every command (documented in the README). */
export const EXIT = {
  ok: 0,
  /** findings at or above the --fail-on threshold, or a score below --min-score */
  findings: 1,
  /** bad usage, bad config or bad input document */
  usage: 2,
  /** an internal error: a bug, reported with its stack on stderr */
  internal: 70,
} as const;
