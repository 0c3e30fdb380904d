/**
 * Child processes of the benchmark: every one is spawned in its own process group and tracked, so
 * that all of them (nginx workers, npx's grandchildren included) die with the runner — on success,
 * on error, on Ctrl-C.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';

/** Most bytes of a child's output kept in memory (the tail when it is longer). */
const MAX_OUTPUT = 1024 * 1024;

/** A tracked child and its captured output. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Resolves once the child exits: its exit code, -1 when a signal ended it, 127 when it never started. */
  readonly exited: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** True once the process has exited. */
  done(): boolean;
}

const live = new Set<Child>();
let interrupted = false;

/** True once a signal asked the runner to stop: children failing after that are no news. */
export function wasInterrupted(): boolean {
  return interrupted;
}

function capture(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text += chunk;
    if (text.length > MAX_OUTPUT) text = text.slice(text.length - MAX_OUTPUT);
  });
  return () => text;
}

/** Prefixes `argv` with `taskset -c <cpu>` when a cpu is given. */
export function pinned(cpu: string | null, argv: readonly string[]): string[] {
  return cpu === null ? [...argv] : ['taskset', '-c', cpu, ...argv];
}

/** Spawns `argv` in its own process group and tracks it until it exits. */
export function spawnChild(name: string, argv: readonly string[], cwd?: string): Child {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error(`empty command for ${name}`);
  const proc = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let finished = false;
  const out = capture(proc.stdout);
  const err = capture(proc.stderr);
  const exited = new Promise<number>((resolve) => {
    proc.once('error', (e) => {
      finished = true;
      live.delete(child);
      resolve(127);
      process.stderr.write(`bench: cannot start ${name}: ${e.message}\n`);
    });
    proc.once('exit', (code) => {
      finished = true;
      live.delete(child);
      resolve(code ?? -1);
    });
  });
  const child: Child = { name, proc, exited, stdout: out, stderr: err, done: () => finished };
  live.add(child);
  return child;
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  const pid = child.proc.pid;
  if (pid === undefined || child.done()) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a child's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 3000): Promise<void> {
  if (child.done()) return;
  signalGroup(child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  if (!child.done()) {
    signalGroup(child, 'SIGKILL');
    await child.exited;
  }
}

/** Kills every live child at once, synchronously: for the process `exit` handler. */
export function killAllNow(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
}

/** Stops every live child, gracefully first. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c, 1000)));
}

/** Makes sure no child outlives the runner: on exit, and on SIGINT/SIGTERM/SIGHUP. */
export function installCleanup(onExit: () => void): void {
  process.once('exit', () => {
    killAllNow();
    onExit();
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      void stopAll().finally(() => process.exit(code));
    });
  }
}

/** Runs `argv` to completion (tracked, so killed on Ctrl-C) and returns its exit code and output. */
export async function runChild(
  name: string,
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnChild(name, argv);
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** True when `cmd` is on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}

/** A port free on 127.0.0.1 right now (for programs that cannot report the port they bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The last lines of a child's stderr, for an error message. */
export function tail(text: string, lines = 8): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Polls 127.0.0.1:`port` until it accepts a connection. Throws when `child` exits first or
 * `timeoutMs` passes, with the child's last stderr lines.
 */
export async function waitForPort(port: number, timeoutMs: number, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child?.done()) {
      const why = tail(child.stderr()) || tail(child.stdout());
      throw new Error(`${child.name} exited before listening on port ${port}${why ? `:\n${why}` : ''}`);
    }
    if (await tryConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const why = child ? tail(child.stderr()) : '';
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms${why ? `:\n${why}` : ''}`);
}
