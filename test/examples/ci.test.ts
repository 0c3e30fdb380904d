// examples/ci/ must run the gates scripts/ci-kit.ts runs on this repository (same commands, same
// formats, same --fail-on thresholds), so the examples cannot drift from what CI proves works.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { sarifToGitlab } from '../../examples/ci/sarif-to-gitlab.mjs';
import { type GateShape, gateShape, plannedGates } from '../../scripts/ci-kit.ts';
import { main } from '../../src/cli/main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const load = (name: string) =>
  parse(readFileSync(join(ROOT, 'examples', 'ci', name), 'utf8')) as Record<string, unknown>;
const github = load('github-actions.yml');
const gitlab = load('gitlab-ci.yml');

/** Split a shell line into words (double quotes kept together), up to the first operator. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const w = m[1] ?? m[2] ?? (m[3] as string);
    if (m[3] !== undefined && /^(\|\||\||&&|;|>|>>|2>)$/.test(w)) break;
    out.push(w);
  }
  return out;
}

/** Every `rampart …` invocation in a list of shell scripts, as argument lists. */
function invocations(scripts: readonly string[]): string[][] {
  const out: string[][] = [];
  for (const s of scripts) {
    for (const line of s.split('\n')) {
      const w = words(line.trim());
      if (w[0] === 'rampart') out.push(w.slice(1));
    }
  }
  return out;
}

type Step = { run?: string; uses?: string; if?: string; with?: Record<string, string> };
type GhJob = { if?: string; steps: Step[]; permissions?: Record<string, string> };
type GlJob = {
  script: string[];
  rules?: { if: string }[];
  artifacts?: { when?: string; reports?: { sast?: string } };
};

const ghJobs = Object.entries(github.jobs as Record<string, GhJob>);
const glJobs = Object.entries(gitlab).filter(([k]) => !k.startsWith('.') && k !== 'stages') as [
  string,
  GlJob,
][];
const byCommand = (shapes: GateShape[]) => [...shapes].sort((a, b) => a.command.localeCompare(b.command));
const outputOf = (args: string[]) => args[args.indexOf('--output') + 1];

test('the gate shape abstracts paths and URLs, keeps --format and --fail-on, drops tuning options', () => {
  assert.deepEqual(
    gateShape([
      'scan',
      '--spec',
      'a.yaml',
      '--target=http://x',
      '--fail-on',
      'high',
      '--rate',
      '9',
      '--quiet',
    ]),
    {
      command: 'scan',
      positionals: 0,
      options: { '--spec': '<arg>', '--target': '<arg>', '--fail-on': 'high' },
    },
  );
  assert.deepEqual(words('rampart audit "my api.yaml" --fail-on high || status=$?'), [
    'rampart',
    'audit',
    'my api.yaml',
    '--fail-on',
    'high',
  ]);
});

test('GitHub Actions runs exactly the gates the CI kit script runs', () => {
  const found = invocations(ghJobs.flatMap(([, j]) => j.steps.map((s) => s.run ?? '')));
  assert.deepEqual(byCommand(found.map(gateShape)), byCommand(plannedGates()));
});

test('GitLab CI runs exactly the gates the CI kit script runs', () => {
  const found = invocations(glJobs.flatMap(([, j]) => j.script));
  assert.deepEqual(byCommand(found.map(gateShape)), byCommand(plannedGates()));
});

test('GitHub: audit and secrets on pull requests, scan on a schedule, SARIF always uploaded', () => {
  assert.ok('pull_request' in (github.on as object) && 'schedule' in (github.on as object));
  for (const [name, job] of ghJobs) {
    const [gate] = invocations(job.steps.map((s) => s.run ?? ''));
    assert.ok(gate !== undefined, `${name} runs a gate`);
    const trigger = gate[0] === 'scan' ? 'schedule' : 'pull_request';
    assert.match(job.if ?? '', new RegExp(`github.event_name == '${trigger}'`), name);
    const upload = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.equal(upload?.if, 'always()', `${name}: uploads even when the gate fails the job`);
    assert.equal(upload?.with?.sarif_file, outputOf(gate), `${name}: uploads the file the gate wrote`);
    assert.equal(job.permissions?.['security-events'], 'write');
  }
});

test('GitLab: each gate converts its SARIF to a SAST report artifact kept on failure, then exits with the gate', () => {
  for (const [name, job] of glJobs) {
    const [gate] = invocations(job.script);
    assert.ok(gate !== undefined, `${name} runs a gate`);
    const trigger = gate[0] === 'scan' ? 'schedule' : 'merge_request_event';
    assert.ok(
      job.rules?.some((r) => r.if.includes(`"${trigger}"`)),
      name,
    );
    const report = job.artifacts?.reports?.sast;
    assert.equal(job.artifacts?.when, 'always');
    assert.ok(
      job.script.some((l) => l === `node "$TO_GITLAB" ${outputOf(gate)} > ${report}`),
      `${name} converts to ${report}`,
    );
    assert.ok(job.script.some((l) => l.endsWith('|| status=$?')) && job.script.at(-1) === 'exit $status');
  }
});

let dir = '';
after(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

test('the SARIF of audit converts to a well-formed GitLab security report', async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-ci-'));
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const code = await main(
    [
      'audit',
      join(ROOT, 'examples/demo-api/openapi.yaml'),
      '--format',
      'sarif',
      '--fail-on',
      'high',
      '--output',
      join(dir, 'a.sarif'),
    ],
    { stdout: sink, stderr: sink, cwd: ROOT, env: {} },
  );
  assert.equal(code, 1, 'the vulnerable demo fails the gate');
  const sarif = JSON.parse(await readFile(join(dir, 'a.sarif'), 'utf8')) as {
    runs: { results: unknown[] }[];
  };
  const report = sarifToGitlab(sarif, new Date('2026-11-23T10:20:30.456Z'));
  assert.equal(report.version, '15.0.7');
  assert.equal(report.scan.type, 'sast');
  assert.equal(report.scan.start_time, '2026-11-23T10:20:30');
  assert.equal(report.scan.analyzer.id, 'rampart-audit');
  assert.equal(report.vulnerabilities.length, sarif.runs[0]?.results.length);
  const ids = new Set<string>();
  for (const v of report.vulnerabilities) {
    assert.match(v.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    ids.add(v.id);
    assert.ok(['Critical', 'High', 'Medium', 'Low', 'Info', 'Unknown'].includes(v.severity));
    assert.ok(v.identifiers.length > 0 && v.name !== '');
    assert.equal(v.location.file, 'examples/demo-api/openapi.yaml');
    assert.ok(Number.isInteger(v.location.start_line));
  }
  assert.equal(ids.size, report.vulnerabilities.length, 'ids are distinct (from the fingerprints)');
  assert.ok(report.vulnerabilities.some((v) => v.severity === 'High'));
  assert.throws(() => sarifToGitlab({}), /not a SARIF/);
});
