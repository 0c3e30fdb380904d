import { access, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { isSeverity, type Severity, severityRank } from '../audit/types.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { compilePlan, type Plan } from '../gateway/plan.ts';
import { OpenApiError } from '../openapi/load.ts';
import { openEventStore } from '../platform/events/open.ts';
import { closeServices, emptyServices } from '../policies/services.ts';
import { diffReports, readBaseline } from '../report/baseline.ts';
import { buildReport, routeLookup } from '../report/build.ts';
import {
  auditFindings,
  ReportInputError,
  readJsonInput,
  scanFindings,
  secretsFindings,
} from '../report/findings.ts';
import {
  BUILTIN_FRAMEWORKS,
  type Framework,
  FrameworkError,
  isFrameworkFile,
  loadBuiltinFramework,
  loadFrameworkFile,
} from '../report/framework.ts';
import { formatHtml } from '../report/render/html.ts';
import { formatJson } from '../report/render/json.ts';
import { formatText } from '../report/render/text.ts';
import { readTraffic } from '../report/traffic.ts';
import type { PostureReport, ReportFinding, TrafficSummary } from '../report/types.ts';
import { MemoryState } from '../state/memory.ts';
import { intOption, parseCommandArgs, UsageError } from './args.ts';
import { type Command, EXIT } from './command.ts';

const FORMATS = ['text', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];
const RENDER: Readonly<Record<Format, (r: PostureReport) => string>> = {
  text: formatText,
  json: formatJson,
  html: formatHtml,
};

/** `--fail-on`: a finding severity, or a framework verdict (fail, partial). */
type FailOn = Severity | 'fail' | 'partial';

/** True when the report crosses the --fail-on threshold. */
export function reportFails(report: PostureReport, failOn: FailOn): boolean {
  if (failOn === 'fail' || failOn === 'partial') {
    return report.frameworks.some((fw) =>
      fw.controls.some((c) => c.verdict === 'fail' || (failOn === 'partial' && c.verdict === 'partial')),
    );
  }
  return report.findings.some((f) => severityRank(f.severity) >= severityRank(failOn));
}

/** `rampart report`: the compliance posture of a gateway config, mapped to frameworks. */
export const reportCommand: Command = {
  name: 'report',
  summary:
    'compliance posture: controls per route, findings and traffic, mapped to OWASP, PCI DSS, GDPR, HIPAA',
  help: `Usage: rampart report [--config rampart.yaml] [options]

Reads a gateway config (and its OpenAPI documents) and reports, per route and overall, the controls
in force (authentication, authorization, object ownership, rate limits, brute force, size limits,
validation, inspection, response filtering, TLS, logging) and their mode (enforce / monitor / off),
the open findings of audit, scan and secrets reports, and the refusals recorded as security events.
Each framework control gets pass / partial / fail with its evidence, and remediation naming the
Rampart setting (config key path). A route in monitor mode does not meet a control: it only records.

Options:
  -c, --config <file>       gateway config (default: rampart.yaml)
      --audit <file>        JSON of \`rampart audit --format json\` (repeatable)
      --scan <file>         JSON of \`rampart scan --format json\` (repeatable)
      --secrets <file>      JSON of \`rampart secrets --format json\` (repeatable)
      --events <store>      security events: a SQLite file or a postgres:// URL (default with --days:
                            the config's events.store)
      --days <n>            events of the last n days (default 7)
      --framework <id|file> a built-in framework (${Object.keys(BUILTIN_FRAMEWORKS).join(', ')}) or a team's own
                            YAML file (repeatable; default: every built-in one)
  -f, --format <fmt>        text (console summary, default), json, or html (self-contained page)
  -o, --out <file>          write the report to a file instead of stdout
      --fail-on <level>     exit 1 if a finding is at or above a severity (critical, high, medium,
                            low, info), or if a framework control fails (fail) or is not a pass (partial)
      --baseline <file>     a previous \`--format json\` report: show what improved and what regressed
  -h, --help                show this help

Framework files: see src/report/frameworks/owasp-api-2023.yaml for the format (each control lists
the Rampart controls and finding categories it depends on).

Exit codes: 0 done; 1 the --fail-on threshold is crossed; 2 bad usage, config, framework file,
input report, baseline or events store (the error names the file).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      config: { type: 'string', short: 'c', default: 'rampart.yaml' },
      audit: { type: 'string', multiple: true },
      scan: { type: 'string', multiple: true },
      secrets: { type: 'string', multiple: true },
      events: { type: 'string' },
      days: { type: 'string' },
      framework: { type: 'string', multiple: true },
      format: { type: 'string', short: 'f', default: 'text' },
      out: { type: 'string', short: 'o' },
      'fail-on': { type: 'string' },
      baseline: { type: 'string' },
    });
    const format = values.format as Format;
    if (!FORMATS.includes(format)) throw new UsageError('--format must be text, json or html');
    const failOnArg = values['fail-on'];
    if (failOnArg !== undefined && !isSeverity(failOnArg) && failOnArg !== 'fail' && failOnArg !== 'partial')
      throw new UsageError('--fail-on must be critical, high, medium, low, info, fail or partial');
    const days = intOption('days', values.days, 1, 3650) ?? 7;
    const cwd = io.cwd;
    const rel = (p: string) => relative(cwd, p) || p;

    let plan: Plan;
    // compiled as the gateway would, with an in-process state and no store or network
    const services = emptyServices();
    const state = new MemoryState();
    services.state = state;
    services.closers.push(() => state.close());
    try {
      const loaded = await loadConfig(resolve(cwd, values.config), io.env);
      plan = await compilePlan(loaded, { services });
    } catch (err) {
      if (err instanceof ConfigError || err instanceof OpenApiError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    } finally {
      await closeServices(services);
    }

    let report: PostureReport;
    try {
      const frameworks: Framework[] = [];
      for (const f of values.framework ?? Object.keys(BUILTIN_FRAMEWORKS)) {
        frameworks.push(
          isFrameworkFile(f) ? await loadFrameworkFile(resolve(cwd, f)) : await loadBuiltinFramework(f),
        );
      }
      const ids = new Set<string>();
      for (const fw of frameworks) {
        if (ids.has(fw.id)) throw new FrameworkError(`framework "${fw.id}" is given twice`);
        ids.add(fw.id);
      }
      const lookup = routeLookup(plan);
      const findings: ReportFinding[] = [];
      const files = { audit: values.audit ?? [], scan: values.scan ?? [], secrets: values.secrets ?? [] };
      for (const f of files.audit)
        findings.push(...auditFindings(await readJsonInput(resolve(cwd, f), '--audit'), f, lookup));
      for (const f of files.scan)
        findings.push(...scanFindings(await readJsonInput(resolve(cwd, f), '--scan'), f, lookup));
      for (const f of files.secrets)
        findings.push(...secretsFindings(await readJsonInput(resolve(cwd, f), '--secrets'), f));
      // the same finding from two reports counts once
      const unique = [...new Map(findings.map((x) => [x.id, x])).values()];

      let traffic: TrafficSummary | null = null;
      let eventsStore: 'sqlite' | 'postgres' | null = null;
      const location =
        values.events ??
        (values.days !== undefined ? resolve(plan.loaded.dir, plan.config.events.store) : undefined);
      if (location !== undefined) {
        const store = await openEvents(location, cwd);
        try {
          eventsStore = store.kind;
          traffic = await readTraffic(store, days);
        } finally {
          await store.close();
        }
      }

      report = buildReport({
        plan,
        config: rel(plan.loaded.file),
        findings: unique,
        files,
        traffic,
        eventsStore,
        frameworks,
      });
      if (values.baseline !== undefined) {
        const base = readBaseline(
          await readJsonInput(resolve(cwd, values.baseline), '--baseline'),
          values.baseline,
        );
        report = { ...report, diff: diffReports(base, report, values.baseline) };
      }
    } catch (err) {
      if (err instanceof ReportInputError || err instanceof FrameworkError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    const text = RENDER[format](report);
    if (values.out !== undefined) {
      const out = resolve(cwd, values.out);
      try {
        await writeFile(out, text);
      } catch (err) {
        io.stderr.write(
          `error: --out ${values.out}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`,
        );
        return EXIT.usage;
      }
      const v = report.frameworks.reduce(
        (acc, fw) => ({ fail: acc.fail + fw.counts.fail, partial: acc.partial + fw.counts.partial }),
        { fail: 0, partial: 0 },
      );
      io.stderr.write(
        `rampart report: ${report.summary.routes} routes, ${v.fail} failing and ${v.partial} partial framework controls → ${out}\n`,
      );
    } else io.stdout.write(text);
    return failOnArg !== undefined && reportFails(report, failOnArg as FailOn) ? EXIT.findings : EXIT.ok;
  },
};

async function openEvents(location: string, cwd: string) {
  const postgres = /^postgres(ql)?:\/\//i.test(location);
  if (!postgres && location !== ':memory:') {
    // node:sqlite would create a missing file: a report reads an existing store or none
    try {
      await access(resolve(cwd, location));
    } catch {
      throw new ReportInputError(`--events ${location}: no such SQLite file`);
    }
  }
  try {
    return await openEventStore(location, cwd);
  } catch (err) {
    // the location may be a URL with a password: name only its kind
    const what = postgres ? 'the PostgreSQL events store' : location;
    throw new ReportInputError(`--events: cannot open ${what} (${(err as Error).message.split('\n')[0]})`);
  }
}
