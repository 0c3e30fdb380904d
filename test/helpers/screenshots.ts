import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCS = fileURLToPath(new URL('../../docs/images/', import.meta.url));

/**
 * Where a test writes a screenshot: docs/images (the README's pictures) when RAMPART_SCREENSHOTS=docs
 * (`npm run screenshots`), else a temporary folder, so a test run leaves the working tree clean.
 */
export function screenshotPath(file: string): string {
  if (process.env.RAMPART_SCREENSHOTS === 'docs') return join(DOCS, file);
  const dir = join(tmpdir(), 'rampart-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, file);
}
