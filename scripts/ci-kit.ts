// The CI kit, run on this repository: the same `rampart audit`, `rampart secrets` and `rampart scan`
// gates as examples/ci/ (same flags, same fail-by-severity thresholds), on the demo, so the examples
// are known to work. Each gate runs where it must pass and, for audit and scan, where it must fail
// (the vulnerable demo), so a gate that stopped failing builds is caught too.
//   node scripts/ci-kit.ts            (called by .ci/run after the tests)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'rampart.js');

/** The gate commands' thresholds and formats: what examples/ci/ must use too. */
export const GATE_FLAGS = {
  audit: ['--format', 'sarif', '--fail-on', 'high'],
  secrets: ['--format', 'sarif', '--fail-on', 'medium'],
  scan: ['--format', 'sarif', '--fail-on', 'high'],
} as const;

/** Options that only tune speed or noise: the script may add them where the examples do not. */
export const TUNING_OPTIONS: ReadonlySet<string> = new Set(['--rate', '--budget', '--quiet']);

/** `rampart audit` as a gate: the OpenAPI document in, SARIF out. */
export function auditArgs(openapi: string, output: string): string[] {
  return ['audit', openapi, ...GATE_FLAGS.audit, '--output', output];
}

/** `rampart secrets` as a gate over a tree (its .rampart-secrets-allow applies). */
export function secretsArgs(path: string, output: string): string[] {
  return ['secrets', path, ...GATE_FLAGS.secrets, '--output', output];
}

/** `rampart scan` as a gate against a running deployment. */
export function scanArgs(spec: string, config: string, target: string, output: string): string[] {
  return [
    'scan',
    '--spec',
    spec,
    '--config',
    config,
    '--target',
    target,
    ...GATE_FLAGS.scan,
    '--output',
    output,
  ];
}

/** The shape of a rampart invocation that must not drift: command, positional count, options. */
export interface GateShape {
  readonly command: string;
  readonly positionals: number;
  /** Option → its value for --format / --fail-on, `<arg>` for others with a value, `true` for flags. */
  readonly options: Readonly<Record<string, string | true>>;
}

const VALUE_OPTIONS = new Set([
  '--format',
  '--fail-on',
  '--output',
  '--spec',
  '--config',
  '--target',
  '--rate',
  '--budget',
]);
const KEPT_VALUES = new Set(['--format', '--fail-on']);

/** Reduce `rampart` arguments to their GateShape (paths and URLs abstracted, tuning options dropped). */
export function gateShape(args: readonly string[]): GateShape {
  const [command = '', ...rest] = args;
  let positionals = 0;
  const options: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (!a.startsWith('--')) {
      positionals++;
      continue;
    }
    const [name, inline] = a.split('=', 2) as [string, string | undefined];
    const takes = VALUE_OPTIONS.has(name);
    const value = takes ? (inline ?? rest[++i] ?? '') : true;
    if (TUNING_OPTIONS.has(name)) continue;
    options[name] = KEPT_VALUES.has(name) ? value : takes ? '<arg>' : true;
  }
  return { command, positionals, options };
}

/** The gates this script runs, in order, as shapes: what the test compares the examples with. */
export function plannedGates(): GateShape[] {
  return [auditArgs('a', 'o'), secretsArgs('.', 'o'), scanArgs('s', 'c', 't', 'o')].map(gateShape);
}

interface Step {
  readonly name: string;
  readonly args: string[];
  /** The exit code the gate must give: 0 (passes) or 1 (fails the build). */
  readonly expect: 0 | 1;
  readonly output: string;
}

function run(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 20_000) stderr += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

/** Start `rampart demo` on free ports; resolves with the direct API and gateway URLs. */
function startDemo(): Promise<{ child: ChildProcess; direct: string; gateway: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--admin-port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let direct: string | undefined;
    let gateway: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the demo did not start within 30 s'));
    }, 30_000);
    // the banner with both addresses goes to stderr, the gateway's JSON log to stdout
    const feed = (d: string) => {
      if (out.length < 20_000) out += d;
      direct ??= /demo API \(vulnerable, direct\):\s+http:\/\/[^:\s]+:(\d+)/.exec(out)?.[1];
      gateway ??= /gateway \(protected\):\s+http:\/\/[^:\s]+:(\d+)/.exec(out)?.[1];
      if (direct !== undefined && gateway !== undefined) {
        clearTimeout(timer);
        resolve({ child, direct: `http://127.0.0.1:${direct}`, gateway: `http://127.0.0.1:${gateway}` });
      }
    };
    child.stdout?.setEncoding('utf8').on('data', feed);
    child.stderr?.setEncoding('utf8').on('data', feed);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited early (${code}): ${out.trim().slice(-2000)}`));
    });
  });
}

async function gate(step: Step): Promise<boolean> {
  const started = Date.now();
  const { code, stderr } = await run(step.args);
  const ok = code === step.expect;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'} ${step.name}: exit ${code} (expected ${step.expect}), ${secs} s  rampart ${step.args.join(' ')}\n`,
  );
  if (!ok) process.stdout.write(stderr);
  return ok;
}

/** The GitLab job converts each SARIF file; check that the conversion gives a well-formed report. */
async function convertsForGitlab(sarifFile: string): Promise<boolean> {
  const url = pathToFileURL(join(ROOT, 'examples', 'ci', 'sarif-to-gitlab.mjs')).href;
  const { sarifToGitlab } = (await import(url)) as {
    sarifToGitlab: (s: unknown) => { vulnerabilities: unknown[]; scan: { status: string } };
  };
  const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: { results: unknown[] }[] };
  const report = sarifToGitlab(sarif);
  writeFileSync(`${sarifFile}.gitlab.json`, JSON.stringify(report));
  return report.vulnerabilities.length === sarif.runs[0]?.results.length && report.scan.status === 'success';
}

async function main(): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'rampart-ci-kit-'));
  const o = (name: string) => join(out, name);
  const steps: Step[] = [
    {
      name: 'audit passes a sound document',
      args: auditArgs('examples/control-api/openapi.yaml', o('audit-control.sarif')),
      expect: 0,
      output: o('audit-control.sarif'),
    },
    {
      name: 'audit fails the vulnerable demo document',
      args: auditArgs('examples/demo-api/openapi.yaml', o('audit-demo.sarif')),
      expect: 1,
      output: o('audit-demo.sarif'),
    },
    {
      name: 'secrets passes this repository (test fixtures allowlisted)',
      args: secretsArgs('.', o('secrets.sarif')),
      expect: 0,
      output: o('secrets.sarif'),
    },
  ];
  let ok = true;
  for (const step of steps) ok = (await gate(step)) && ok;

  let demo: Awaited<ReturnType<typeof startDemo>>;
  try {
    demo = await startDemo();
  } catch (err) {
    process.stdout.write(`FAIL scan: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    // --rate and --quiet only speed the run up and quiet it; the gate flags are the examples'
    const fast = ['--rate', '200', '--quiet'];
    const scans: Step[] = [
      {
        name: 'scan passes the demo behind the gateway',
        args: [
          ...scanArgs(
            'examples/demo-api/openapi.yaml',
            'examples/scan-demo.yaml',
            demo.gateway,
            o('scan-gateway.sarif'),
          ),
          ...fast,
        ],
        expect: 0,
        output: o('scan-gateway.sarif'),
      },
      {
        name: 'scan fails the demo reached directly',
        args: [
          ...scanArgs(
            'examples/demo-api/openapi.yaml',
            'examples/scan-demo.yaml',
            demo.direct,
            o('scan-direct.sarif'),
          ),
          ...fast,
        ],
        expect: 1,
        output: o('scan-direct.sarif'),
      },
    ];
    for (const step of scans) ok = (await gate(step)) && ok;
    steps.push(...scans);
  } finally {
    demo.child.kill('SIGTERM');
  }
  for (const step of steps) {
    try {
      if (!(await convertsForGitlab(step.output))) {
        ok = false;
        process.stdout.write(`FAIL ${step.name}: the GitLab report does not match the SARIF\n`);
      }
    } catch (err) {
      ok = false;
      process.stdout.write(`FAIL ${step.name}: no usable SARIF (${(err as Error).message})\n`);
    }
  }
  process.stdout.write(`ci-kit: ${ok ? 'every gate behaved' : 'a gate misbehaved'}; reports in ${out}\n`);
  return ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
