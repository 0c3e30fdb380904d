import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadOpenApi, OpenApiError } from '../openapi/load.ts';
import { diffInventory, type InventoryDiff } from '../platform/discovery/diff.ts';
import { draftOpenApiYaml } from '../platform/discovery/draft.ts';
import {
  type ImportResult,
  observationsFromAccessLog,
  observationsFromHar,
} from '../platform/discovery/import.ts';
import { type Endpoint, Inventory } from '../platform/discovery/inventory.ts';
import { parseCommandArgs, UsageError } from './args.ts';
import { type Command, EXIT } from './command.ts';

/** The largest input file read (HAR files of long sessions run to tens of MiB). */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

async function readInput(file: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  if (size > MAX_INPUT_BYTES) throw new UsageError(`${file} is larger than ${MAX_INPUT_BYTES} bytes`);
  return readFile(file, 'utf8');
}

function formatText(
  endpoints: readonly Endpoint[],
  diff: InventoryDiff | undefined,
  skipped: number,
): string {
  const lines: string[] = [
    `${endpoints.length} endpoint(s) seen${skipped > 0 ? ` (${skipped} entries skipped)` : ''}`,
  ];
  for (const e of endpoints) {
    const statuses = Object.entries(e.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    const extra = [
      e.queryParams.length > 0 ? `query: ${e.queryParams.join(',')}` : '',
      e.sensitive.length > 0 ? `sensitive: ${e.sensitive.join(',')}` : '',
      e.consumers.length > 0 ? `consumers: ${e.consumers.length}` : '',
    ].filter((s) => s !== '');
    lines.push(
      `  ${e.method.padEnd(7)} ${e.path}  ${e.count} call(s)  ${statuses}${extra.length ? `  ${extra.join('  ')}` : ''}`,
    );
  }
  if (diff !== undefined) {
    lines.push('', `shadow (called, not declared): ${diff.shadow.length}`);
    for (const s of diff.shadow) {
      lines.push(
        `  ${s.method.padEnd(7)} ${s.path}  ${s.calls} call(s)${s.refused > 0 ? `, ${s.refused} refused as undeclared` : ''}`,
      );
    }
    lines.push(`zombie (deprecated but called, never called, or stale): ${diff.zombie.length}`);
    for (const z of diff.zombie)
      lines.push(`  ${z.method.padEnd(7)} ${z.path}  ${z.kind}${z.calls > 0 ? `, ${z.calls} call(s)` : ''}`);
    lines.push(`undeclared parameters: ${diff.undeclaredParameters.length}`);
    for (const p of diff.undeclaredParameters)
      lines.push(`  ${p.method.padEnd(7)} ${p.path}  ${p.in} ${p.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `rampart discover`: learn the API inventory from a HAR file or an access log, offline. */
export const discoverCommand: Command = {
  name: 'discover',
  summary: 'learn the API inventory from a HAR file or access log; diff with OpenAPI; write a draft',
  help: `Usage: rampart discover (--har <file.har> | --log <access.jsonl>) [options]

Reads recorded traffic and lists the endpoints actually called: paths are templated (numeric ids,
UUIDs, hex and base64 tokens, dates and emails become parameters; a position followed by many
distinct names is learned as a parameter), with methods, status codes, consumers, first and last
seen, content types, query parameters and the sensitive-data types seen in query values and bodies.
With --spec, compares with the OpenAPI document: shadow endpoints (called but undeclared), zombie
endpoints (deprecated but called, or declared and never called) and undeclared query parameters.
Writes an OpenAPI 3.1 draft of what it saw.

Options:
      --har <file>     a HAR 1.2 file (browser dev tools, proxies)
      --log <file>     a JSON-lines access log (the gateway's "request" lines, or method/path/status)
      --spec <file>    the OpenAPI document to compare with
  -o, --out <file>     where to write the OpenAPI draft (default: openapi.discovered.yaml)
      --no-draft       do not write a draft
  -f, --format <fmt>   text (default) or json (endpoints and diff) on stdout
  -h, --help           show this help

Exit codes: 0 done; 2 bad usage or unreadable input or document; 70 internal error.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      har: { type: 'string' },
      log: { type: 'string' },
      spec: { type: 'string' },
      out: { type: 'string', short: 'o', default: 'openapi.discovered.yaml' },
      'no-draft': { type: 'boolean', default: false },
      format: { type: 'string', short: 'f', default: 'text' },
    });
    if ((values.har === undefined) === (values.log === undefined)) {
      throw new UsageError('give exactly one of --har or --log');
    }
    if (values.format !== 'text' && values.format !== 'json')
      throw new UsageError('--format must be text or json');
    let imported: ImportResult;
    if (values.har !== undefined) {
      const text = await readInput(resolve(io.cwd, values.har));
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UsageError(`${values.har} is not JSON`);
      }
      imported = observationsFromHar(parsed);
    } else {
      imported = observationsFromAccessLog(await readInput(resolve(io.cwd, values.log as string)));
    }
    const inventory = new Inventory();
    for (const o of imported.observations) inventory.observe(o);
    const endpoints = inventory.endpoints();
    let diff: InventoryDiff | undefined;
    if (values.spec !== undefined) {
      try {
        diff = diffInventory(endpoints, await loadOpenApi(resolve(io.cwd, values.spec)));
      } catch (err) {
        if (err instanceof OpenApiError) {
          io.stderr.write(`error: ${err.message}\n`);
          return EXIT.usage;
        }
        throw err;
      }
    }
    if (!values['no-draft']) {
      await writeFile(resolve(io.cwd, values.out), draftOpenApiYaml(endpoints));
    }
    if (values.format === 'json') {
      io.stdout.write(`${JSON.stringify({ endpoints, diff, skipped: imported.skipped }, null, 2)}\n`);
    } else {
      io.stdout.write(formatText(endpoints, diff, imported.skipped));
      if (!values['no-draft']) io.stdout.write(`draft written to ${values.out}\n`);
    }
    return EXIT.ok;
  },
};
