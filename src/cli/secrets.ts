import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ALLOWLIST_FILE,
  type Allowlist,
  AllowlistError,
  loadAllowlist,
  mergeAllowlists,
} from '../secrets/allowlist.ts';
import { GitHistoryError } from '../secrets/git-history.ts';
import { formatJson, formatSarif, formatTable } from '../secrets/report.ts';
import { RULES, ruleById } from '../secrets/rules/index.ts';
import { DEFAULT_MAX_FILE_SIZE, type ScanResult, scanHistory, scanPaths } from '../secrets/scan.ts';
import { type Confidence, confidenceRank } from '../secrets/types.ts';
import { type Command, type CommandIO, EXIT } from './command.ts';

const HELP = `Usage: rampart secrets [options] [path...]

Finds leaked credentials (cloud keys, source-forge and package-registry tokens, payment and messaging
API keys, private keys, JWTs, database URLs with passwords, generic high-entropy assignments and
Rampart API keys) in files, directories, built bundles and source maps, or in git history.
Secrets are always redacted: at most 4 leading characters and the length are shown.

Paths default to the current directory. Directories are walked respecting .gitignore.

Options:
  -f, --format <fmt>       table (default), json or sarif (SARIF 2.1.0)
  -o, --output <file>      write the report to a file instead of stdout
      --fail-on <level>    exit 1 when a finding is at least this confident:
                           high, medium (default), low, or never
      --git                scan the git history of each path (a repository): every line
                           every commit added, reported with the commit id
      --no-gitignore       scan files that .gitignore excludes too
      --allowlist <file>   allowlist to use; by default ${ALLOWLIST_FILE} in the current
                           directory and in each scanned directory are read. One entry a line:
                           path:<glob> (or a bare glob), rule:<rule-id>, fingerprint:<16 hex>
      --max-file-size <n>  skip files larger than n bytes (suffix k or m; default 10m)
      --list-rules         print the rule ids and titles, then exit
  -h, --help               show this help

A line containing "rampart:ignore-secret" is not reported.
Documentation examples (e.g. AKIAIOSFODNN7EXAMPLE) and local default database passwords are
reported at low confidence, so they show without failing the default --fail-on medium.

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  usage error (bad option, missing path, bad allowlist, not a git repository)
  70 internal error
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FORMATS = ['table', 'json', 'sarif'] as const;
const FAIL_ON = ['high', 'medium', 'low', 'never'] as const;

function parseSize(s: string): number {
  const m = /^(\d{1,15})([kKmM]?)$/.exec(s);
  if (!m) throw new UsageError(`--max-file-size: not a size: ${s.slice(0, 32)}`);
  const unit = m[2]?.toLowerCase() === 'k' ? 1024 : m[2]?.toLowerCase() === 'm' ? 1024 * 1024 : 1;
  return Number(m[1]) * unit;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${name} must be one of ${allowed.join(', ')}`);
}

function loadAllowlists(cwd: string, roots: readonly string[], explicit: string | undefined): Allowlist {
  const known = (id: string): boolean => ruleById(id) !== undefined;
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new UsageError(`--allowlist: no such file: ${explicit}`);
    return loadAllowlist(file, dirname(file), known);
  }
  const candidates = new Set([join(cwd, ALLOWLIST_FILE)]);
  for (const r of roots) {
    if (existsSync(r) && statSync(r).isDirectory()) candidates.add(join(r, ALLOWLIST_FILE));
  }
  return mergeAllowlists(
    [...candidates].filter((f) => existsSync(f)).map((f) => loadAllowlist(f, dirname(f), known)),
  );
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((done) => {
    if (stream.write(text)) done();
    else stream.once('drain', () => done());
  });
}

async function run(argv: readonly string[], io: CommandIO): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (err) {
    await write(io.stderr, `rampart secrets: ${(err as Error).message}\nTry 'rampart secrets --help'.\n`);
    return EXIT.usage;
  }
  if (values.help) {
    await write(io.stdout, HELP);
    return EXIT.ok;
  }
  if (values['list-rules']) {
    await write(io.stdout, RULES.map((r) => `${r.id.padEnd(28)} ${r.title}\n`).join(''));
    return EXIT.ok;
  }
  try {
    const format = oneOf('--format', values.format ?? 'table', FORMATS);
    const failOn = oneOf('--fail-on', values['fail-on'] ?? 'medium', FAIL_ON);
    const maxFileSize =
      values['max-file-size'] !== undefined ? parseSize(values['max-file-size']) : DEFAULT_MAX_FILE_SIZE;
    const paths = positionals.length > 0 ? positionals : ['.'];
    const roots = paths.map((p) => resolve(io.cwd, p));
    for (const [i, r] of roots.entries()) {
      if (!existsSync(r)) throw new UsageError(`no such file or directory: ${paths[i]}`);
      if (values.git && !statSync(r).isDirectory())
        throw new UsageError(`--git needs a directory: ${paths[i]}`);
    }
    const allowlist = loadAllowlists(io.cwd, roots, values.allowlist);
    const opts = { paths: roots, cwd: io.cwd, gitignore: !values['no-gitignore'], maxFileSize, allowlist };
    const result: ScanResult = values.git ? await scanHistory(opts) : scanPaths(opts);
    const report =
      format === 'json'
        ? formatJson(result)
        : format === 'sarif'
          ? formatSarif(result, RULES)
          : formatTable(result);
    if (values.output !== undefined) {
      writeFileSync(resolve(io.cwd, values.output), report);
      await write(
        io.stderr,
        `rampart secrets: ${result.findings.length} findings written to ${values.output}\n`,
      );
    } else {
      await write(io.stdout, report);
    }
    if (failOn === 'never') return EXIT.ok;
    const threshold = confidenceRank(failOn as Confidence);
    return result.findings.some((f) => confidenceRank(f.confidence) >= threshold) ? EXIT.findings : EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError || err instanceof AllowlistError || err instanceof GitHistoryError) {
      await write(io.stderr, `rampart secrets: ${err.message}\n`);
      return EXIT.usage;
    }
    await write(io.stderr, `rampart secrets: internal error\n${(err as Error).stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
      'fail-on': { type: 'string' },
      git: { type: 'boolean' },
      'no-gitignore': { type: 'boolean' },
      allowlist: { type: 'string' },
      'max-file-size': { type: 'string' },
      'list-rules': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `rampart secrets`: scans files, directories or git history for leaked credentials. */
export const secretsCommand: Command = {
  name: 'secrets',
  summary: 'find leaked API keys and credentials in files, bundles and git history',
  help: HELP,
  run,
};
