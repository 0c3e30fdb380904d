/** Shared set-up of the report tests: demo config variants in a temp dir, and the command run in-process. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
export const DEMO_CONFIG = join(EXAMPLES, 'demo.yaml');
export const DEMO_OPENAPI = join(EXAMPLES, 'demo-api/openapi.yaml');

/** The variables examples/demo.yaml reads (the report never listens or connects). */
export const DEMO_ENV: NodeJS.ProcessEnv = {
  RAMPART_DEMO_PORT: '8080',
  RAMPART_DEMO_ADMIN_PORT: '9901',
  RAMPART_DEMO_UPSTREAM: 'http://127.0.0.1:3000',
};

/** Write a variant of the demo config into `dir`: `edit` rewrites its text (the document path is made absolute). */
export async function demoVariant(
  dir: string,
  name: string,
  edit: (text: string) => string,
): Promise<string> {
  const text = (await readFile(DEMO_CONFIG, 'utf8')).replace('./demo-api/openapi.yaml', DEMO_OPENAPI);
  const out = edit(text);
  const file = join(dir, name);
  await writeFile(file, out);
  return file;
}

/** Replace `from` in a config text, failing loudly when the demo config no longer has it. */
export function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the demo config no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Run `rampart report` in-process, through the dispatcher (so that usage errors give their exit code). */
export async function runReport(argv: string[], cwd: string, env: NodeJS.ProcessEnv = DEMO_ENV) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(['report', ...argv], { stdout, stderr, cwd, env });
  return { code, out, err };
}
