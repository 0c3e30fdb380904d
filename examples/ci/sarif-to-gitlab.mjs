#!/usr/bin/env node
// Turns a Rampart SARIF report (audit, secrets or scan) into a GitLab security report, so that
// GitLab shows the findings in merge requests and the vulnerability report:
//   node sarif-to-gitlab.mjs rampart-audit.sarif > gl-sast-rampart-audit.json
// Plain JavaScript with no dependencies, so it runs from the installed package on any Node >= 18:
//   node "$(npm root -g)/rampart/examples/ci/sarif-to-gitlab.mjs" report.sarif
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The GitLab security report schema version this writes. */
export const GITLAB_REPORT_VERSION = '15.0.7';
const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const SEVERITIES = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };
const LEVELS = { error: 'High', warning: 'Medium', note: 'Low', none: 'Info' };
// Secrets findings carry a confidence, not a severity: a confident leak is as bad as it gets.
const CONFIDENCE = { high: 'Critical', medium: 'High', low: 'Low' };

/** GitLab wants seconds precision and no zone: 2026-11-23T16:26:31. */
const gitlabTime = (d) => d.toISOString().slice(0, 19);

/** A stable UUID-shaped id from a finding's fingerprint, so GitLab tracks it across pipelines. */
function uuidFrom(text) {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function severityOf(result) {
  const p = result.properties ?? {};
  if (typeof p.severity === 'string' && SEVERITIES[p.severity]) return SEVERITIES[p.severity];
  if (typeof p.confidence === 'string' && CONFIDENCE[p.confidence]) return CONFIDENCE[p.confidence];
  return LEVELS[result.level ?? 'warning'] ?? 'Unknown';
}

/** Convert one parsed SARIF log into a GitLab report object (type `sast`). */
export function sarifToGitlab(sarif, now = new Date()) {
  const run = sarif?.runs?.[0];
  if (run === undefined || !Array.isArray(run.results)) throw new Error('not a SARIF 2.1.0 log with a run');
  const driver = run.tool?.driver ?? {};
  const tool = String(driver.name ?? 'rampart');
  const version = String(driver.version ?? '0');
  const rules = new Map((driver.rules ?? []).map((r) => [r.id, r]));
  const vulnerabilities = run.results.map((r, i) => {
    const rule = rules.get(r.ruleId) ?? {};
    const physical = r.locations?.[0]?.physicalLocation ?? {};
    const region = physical.region ?? {};
    const fingerprint = Object.values(r.partialFingerprints ?? {})[0] ?? `${r.ruleId}:${i}`;
    const cwe = /^CWE-(\d{1,6})$/.exec(String(r.properties?.cwe ?? ''));
    const location = { file: String(physical.artifactLocation?.uri ?? 'openapi') };
    if (Number.isInteger(region.startLine)) location.start_line = region.startLine;
    if (Number.isInteger(region.endLine)) location.end_line = region.endLine;
    return {
      id: uuidFrom(`${tool}:${fingerprint}`),
      name: String(rule.shortDescription?.text ?? r.ruleId),
      description: String(r.message?.text ?? ''),
      severity: severityOf(r),
      solution: String(rule.help?.text ?? ''),
      identifiers: [
        { type: tool, name: String(r.ruleId), value: String(r.ruleId) },
        ...(cwe === null
          ? []
          : [
              {
                type: 'cwe',
                name: cwe[0],
                value: cwe[1],
                url: `https://cwe.mitre.org/data/definitions/${cwe[1]}.html`,
              },
            ]),
      ],
      location,
    };
  });
  const component = { id: tool, name: tool, version, vendor: { name: 'Rampart' } };
  return {
    version: GITLAB_REPORT_VERSION,
    vulnerabilities,
    scan: {
      analyzer: component,
      scanner: component,
      type: 'sast',
      start_time: gitlabTime(now),
      end_time: gitlabTime(now),
      status: 'success',
    },
  };
}

function main(argv) {
  const [file] = argv;
  if (file === undefined) {
    process.stderr.write('usage: sarif-to-gitlab.mjs <report.sarif>  (writes the GitLab report to stdout)\n');
    return 2;
  }
  let sarif;
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length > MAX_INPUT_BYTES) throw new Error('larger than 64 MiB');
    sarif = JSON.parse(text);
  } catch (err) {
    process.stderr.write(`sarif-to-gitlab: cannot read ${file}: ${err.message}\n`);
    return 2;
  }
  try {
    process.stdout.write(`${JSON.stringify(sarifToGitlab(sarif), null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`sarif-to-gitlab: ${file}: ${err.message}\n`);
    return 2;
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
