import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type AuditReport, auditDocument, failsThreshold } from '../audit/audit.ts';
import {
  type AuditConfig,
  AuditConfigError,
  DEFAULT_AUDIT_CONFIG,
  loadAuditConfig,
} from '../audit/config.ts';
import { formatConsole } from '../audit/report/console.ts';
import { formatJson } from '../audit/report/json.ts';
import { formatSarif } from '../audit/report/sarif.ts';
import { RULES } from '../audit/rules/index.ts';
import { isSeverity, type Severity } from '../audit/types.ts';
import { loadOpenApi, OpenApiError } from '../openapi/load.ts';
import { intOption, parseCommandArgs, UsageError } from './args.ts';
import { type Command, EXIT } from './command.ts';

const FORMATS = ['console', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const RENDER: Readonly<Record<Format, (report: AuditReport, cwd: string) => string>> = {
  console: formatConsole,
  json: formatJson,
  sarif: formatSarif,
};

function listRules(): string {
  const width = Math.max(...RULES.map((r) => r.id.length));
  return `${RULES.map((r) => `${r.id.padEnd(width)}  ${r.category.padEnd(5)}  ${r.severity.padEnd(8)}  ${r.title}`).join('\n')}\n`;
}

/** `rampart audit`: lint an OpenAPI document for security flaws, score it, and report. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'lint an OpenAPI document for security flaws (OWASP API Top 10), scored, with SARIF output',
  help: `Usage: rampart audit <openapi.yaml|openapi.json> [options]

Checks an OpenAPI 3.0/3.1 document (and the files its $refs name) against Rampart's security rules,
each mapped to an OWASP API Security Top 10 (2023) category, and scores it from 0 to 100 (100 = no
findings; each rule with findings deducts 25/12/5/2/0 points for critical/high/medium/low/info,
up to 3x that when it fires several times). Every finding names file:line:column and a JSON pointer.

Options:
  -f, --format <fmt>       console (default), json, or sarif (SARIF 2.1.0 for code scanning)
  -o, --output <file>      write the report to a file instead of stdout
  -c, --config <file>      audit config: rules (off | severity | {enabled, severity}), failOn, minScore
      --fail-on <severity> exit 1 if any finding is at or above: critical, high, medium, low, info
      --min-score <n>      exit 1 if the score is below n (0-100)
      --list-rules         print every rule (id, category, severity, title) and exit
  -h, --help               show this help

Silence one finding in the document itself, with a reason (required):
  x-rampart-audit-ignore: [{ rule: schema.string-unbounded, reason: "free text, capped by the gateway" }]
on the operation, path item, schema or root the finding is in.

Exit codes: 0 passed; 1 a finding at or above --fail-on, or a score below --min-score;
2 bad usage, config or document (the error names file:line:column).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        format: { type: 'string', short: 'f', default: 'console' },
        output: { type: 'string', short: 'o' },
        config: { type: 'string', short: 'c' },
        'fail-on': { type: 'string' },
        'min-score': { type: 'string' },
        'list-rules': { type: 'boolean', default: false },
      },
      true,
    );
    if (values['list-rules']) {
      io.stdout.write(listRules());
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one OpenAPI document');
    const format = values.format as Format;
    if (!FORMATS.includes(format)) throw new UsageError('--format must be console, json or sarif');
    const failOnArg = values['fail-on'];
    if (failOnArg !== undefined && !isSeverity(failOnArg)) {
      throw new UsageError('--fail-on must be critical, high, medium, low or info');
    }
    const minScoreArg = intOption('min-score', values['min-score'], 0, 100);

    let config: AuditConfig = DEFAULT_AUDIT_CONFIG;
    let report: AuditReport;
    try {
      if (values.config !== undefined) {
        config = await loadAuditConfig(resolve(io.cwd, values.config), new Set(RULES.map((r) => r.id)));
      }
      const doc = await loadOpenApi(resolve(io.cwd, positionals[0]!));
      report = auditDocument(doc, { config });
    } catch (err) {
      if (err instanceof OpenApiError || err instanceof AuditConfigError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    const text = RENDER[format](report, io.cwd);
    if (values.output !== undefined) {
      const out = resolve(io.cwd, values.output);
      await writeFile(out, text);
      io.stderr.write(
        `rampart audit: score ${report.score.score}/100, ${report.findings.length} findings → ${out}\n`,
      );
    } else {
      io.stdout.write(text);
    }

    const failOn: Severity | undefined = (failOnArg as Severity | undefined) ?? config.failOn;
    const minScore = minScoreArg ?? config.minScore;
    const failed =
      (failOn !== undefined && failsThreshold(report, failOn)) ||
      (minScore !== undefined && report.score.score < minScore);
    return failed ? EXIT.findings : EXIT.ok;
  },
};
