import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { loadOpenApi, OpenApiError } from '../openapi/load.ts';
import { applyBaseline, BaselineError, loadBaseline, writeBaseline } from '../scanner/baseline.ts';
import { CHECKS } from '../scanner/checks/index.ts';
import { loadScanConfig, type ScanConfig, ScanConfigError } from '../scanner/config.ts';
import { planScan, runScan, type ScanProgress, ScanSetupError } from '../scanner/engine.ts';
import { formatConsole } from '../scanner/report/console.ts';
import { formatHtml } from '../scanner/report/html.ts';
import { formatJson } from '../scanner/report/json.ts';
import { formatJunit } from '../scanner/report/junit.ts';
import { failsAt, type ScanReport, sortFindings } from '../scanner/report/model.ts';
import { formatSarif } from '../scanner/report/sarif.ts';
import { isSeverity, type Severity } from '../scanner/types.ts';
import { intOption, parseCommandArgs, UsageError } from './args.ts';
import { type Command, type CommandIO, EXIT } from './command.ts';

const FORMATS = ['console', 'json', 'sarif', 'junit', 'html'] as const;
type Format = (typeof FORMATS)[number];

function listChecks(): string {
  const sorted = [...CHECKS].sort((a, b) =>
    a.meta.category.localeCompare(b.meta.category, 'en', { numeric: true }),
  );
  const width = Math.max(...sorted.map((c) => c.meta.id.length));
  return `${sorted.map((c) => `${c.meta.id.padEnd(width)}  ${c.meta.category.padEnd(5)}  CWE-${String(c.meta.cwe).padEnd(4)}  ${c.meta.severity.padEnd(8)}  ${c.meta.title}`).join('\n')}\n`;
}

function progressWriter(io: CommandIO, quiet: boolean): (p: ScanProgress) => void {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let lastCheck = '';
  return (p) => {
    if (quiet) return;
    if (tty) {
      const width = 30;
      const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${p.requests} req ${p.findings} findings ${p.check} ${p.label}`;
      io.stderr.write(`\r${line.slice(0, 120).padEnd(120)}${p.label === 'done' ? '\n' : ''}`);
    } else if (p.check !== lastCheck && p.check !== '') {
      lastCheck = p.check;
      io.stderr.write(`[${p.done}/${p.total}] ${p.check} (${p.requests} requests, ${p.findings} findings)\n`);
    }
  };
}

function planText(
  config: ScanConfig,
  units: ReturnType<typeof planScan>['units'],
  ops: number,
  target: string,
): string {
  const lines = [
    `rampart scan plan (dry run: nothing is sent) — ${target}`,
    `${ops} operations in scope; identities: ${config.identities.map((i) => `${i.name} (${i.role}, ${i.bearer !== undefined ? 'bearer' : i.apiKey !== undefined ? 'api key' : 'login'})`).join(', ')}`,
    `limits: ${config.rate} requests/s, budget ${config.maxRequests} requests, ${config.timeoutMs} ms per request; destructive methods ${config.allowDestructive ? 'allowed' : 'skipped'}`,
    '',
  ];
  for (const u of units) {
    lines.push(
      `${u.skipped !== undefined ? 'skip' : 'run '}  ${u.check.id.padEnd(22)} ${u.unit.label}${u.skipped !== undefined ? `  (${u.skipped})` : ''}`,
    );
  }
  const run = units.filter((u) => u.skipped === undefined).length;
  lines.push('', `${run} tests to run, ${units.length - run} skipped`);
  return `${lines.join('\n')}\n`;
}

/** `rampart scan`: attack a running API from its OpenAPI document and test identities; report the OWASP API Top 10 findings. */
export const scanCommand: Command = {
  name: 'scan',
  summary: 'test a running API for the OWASP API Top 10 (BOLA, auth, injection, SSRF, …) with CI reports',
  help: `Usage: rampart scan --spec <openapi.yaml> --target <url> --config <scan.yaml> [options]

Sends real requests to a running API — only to the target's origin, plus a canary listener on
127.0.0.1 that proves SSRF — derived from its OpenAPI document and the test identities of the scan
config, and reports what it can prove: BOLA, BFLA, broken authentication (weak JWT secrets, forged
tokens, login without attempt limits), mass assignment, data exposure, missing rate limits, SSRF,
misconfiguration, undocumented endpoints and injection. Never point it at a production API you do
not own.

Options:
      --spec <file>          OpenAPI 3.0/3.1 document (default: the config's spec, relative to it)
      --target <url>         base URL of the running API (default: the config's target)
  -c, --config <file>        scan config (YAML): identities, seeds, skip, budget, rate (required)
  -f, --format <fmt>         console (default), json, sarif (2.1.0), junit, html (one self-contained file)
  -o, --output <file>        write the report to a file instead of stdout
      --fail-on <severity>   exit 1 if a new finding is at or above: critical, high (default), medium, low, info
      --baseline <file>      accept the findings listed in this file (JSON { accepted: [{ id, reason }] })
      --write-baseline <file> write every finding of this run as accepted, for the next runs
      --allow-destructive    also send PUT/PATCH/DELETE (state changes; use a disposable environment)
      --dry-run              print the plan (operations × checks, skips) and send nothing
      --rate <n>             requests per second (default 20)
      --budget <n>           total request budget (default 5000)
      --timeout <ms>         per-request timeout (default 10000)
      --checks <ids>         only these checks (comma-separated); --list-checks prints them
      --quiet                no progress on stderr
  -h, --help                 show this help

Exit codes: 0 no new finding at or above --fail-on; 1 there is one; 2 bad usage, config, document,
or a target that cannot be scanned (unreachable, not HTTP, an identity that cannot log in).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      spec: { type: 'string' },
      target: { type: 'string' },
      config: { type: 'string', short: 'c' },
      format: { type: 'string', short: 'f', default: 'console' },
      output: { type: 'string', short: 'o' },
      'fail-on': { type: 'string', default: 'high' },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      'allow-destructive': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      rate: { type: 'string' },
      budget: { type: 'string' },
      timeout: { type: 'string' },
      checks: { type: 'string' },
      'list-checks': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    });
    if (values['list-checks']) {
      io.stdout.write(listChecks());
      return EXIT.ok;
    }
    const format = values.format as Format;
    if (!FORMATS.includes(format))
      throw new UsageError('--format must be console, json, sarif, junit or html');
    const failOn = values['fail-on'];
    if (!isSeverity(failOn)) throw new UsageError('--fail-on must be critical, high, medium, low or info');
    if (values.config === undefined)
      throw new UsageError('--config <scan.yaml> is required (it names the test identities)');
    const rate = values.rate === undefined ? undefined : Number(values.rate);
    if (rate !== undefined && !(rate >= 0.1 && rate <= 10_000))
      throw new UsageError('--rate must be a number from 0.1 to 10000');
    const budget = intOption('budget', values.budget, 1, 100_000);
    const timeout = intOption('timeout', values.timeout, 100, 120_000);
    const known = new Set(CHECKS.map((c) => c.meta.id));
    const only = values.checks
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const id of only ?? [])
      if (!known.has(id)) throw new UsageError(`unknown check '${id}' (see --list-checks)`);

    let config: ScanConfig;
    try {
      const configPath = resolve(io.cwd, values.config);
      const loaded = await loadScanConfig(configPath, io.env);
      config = {
        ...loaded,
        spec:
          values.spec !== undefined
            ? resolve(io.cwd, values.spec)
            : loaded.spec !== undefined
              ? resolve(dirname(configPath), loaded.spec)
              : undefined,
        target: values.target ?? loaded.target,
        allowDestructive: values['allow-destructive'] || loaded.allowDestructive,
        ...(rate !== undefined ? { rate } : {}),
        ...(budget !== undefined ? { maxRequests: budget } : {}),
        ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
        ...(only !== undefined ? { only: new Set(only) } : {}),
      };
    } catch (err) {
      if (err instanceof ScanConfigError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }
    if (config.spec === undefined)
      throw new UsageError('--spec <openapi.yaml> is required (or spec: in the config)');
    if (config.target === undefined)
      throw new UsageError('--target <url> is required (or target: in the config)');
    if (!/^https?:\/\/[^\s]{1,2000}$/.test(config.target))
      throw new UsageError('--target must be an http:// or https:// URL');

    let baseline: Awaited<ReturnType<typeof loadBaseline>> = new Map();
    try {
      if (values.baseline !== undefined) baseline = await loadBaseline(resolve(io.cwd, values.baseline));
    } catch (err) {
      if (err instanceof BaselineError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    let document: Awaited<ReturnType<typeof loadOpenApi>>;
    try {
      document = await loadOpenApi(config.spec);
    } catch (err) {
      if (err instanceof OpenApiError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    if (values['dry-run']) {
      const { plan, units } = planScan(document, config);
      io.stdout.write(planText(config, units, plan.operations.length, config.target));
      return EXIT.ok;
    }

    let report: ScanReport;
    try {
      const result = await runScan({
        document,
        target: config.target,
        config,
        onProgress: progressWriter(io, values.quiet),
      });
      const split = applyBaseline(result.findings, baseline);
      report = { result, findings: sortFindings(split.findings), accepted: sortFindings(split.accepted) };
    } catch (err) {
      if (err instanceof ScanSetupError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    const specUri = relative(io.cwd, document.file).split('\\').join('/');
    const text =
      format === 'json'
        ? formatJson(report)
        : format === 'sarif'
          ? formatSarif(report, specUri)
          : format === 'junit'
            ? formatJunit(report)
            : format === 'html'
              ? formatHtml(report)
              : formatConsole(report);
    if (values.output !== undefined) {
      const out = resolve(io.cwd, values.output);
      await writeFile(out, text);
      io.stderr.write(
        `rampart scan: ${report.findings.length} findings, ${report.result.requests} requests → ${out}\n`,
      );
    } else {
      io.stdout.write(text);
    }
    if (values['write-baseline'] !== undefined) {
      await writeBaseline(resolve(io.cwd, values['write-baseline']), report.result.findings);
    }
    if (report.result.stopped !== undefined)
      io.stderr.write(`rampart scan: stopped early: ${report.result.stopped}\n`);
    return failsAt(report.findings, failOn as Severity) ? EXIT.findings : EXIT.ok;
  },
};
