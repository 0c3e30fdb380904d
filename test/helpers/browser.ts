import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Make sure Chromium is installed: as root, `apt-get install -y chromium` where it is missing.
 * Returns null when it is there, or why the browser tests must be skipped.
 */
export function ensureChromium(): string | null {
  if (existsSync(CHROMIUM)) return null;
  if (process.getuid?.() !== 0)
    return `${CHROMIUM} is missing and the tests are not root: run \`apt-get install -y chromium\` to run them`;
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'ignore',
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (existsSync(CHROMIUM)) return null;
  return `${CHROMIUM} is missing and \`apt-get install -y chromium\` failed (status ${r.status ?? r.signal}): install it to run these tests`;
}

/** One headless Chromium with a fresh profile, at a laptop's 1366×768; console errors are collected. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** Console errors and uncaught exceptions of every page (CSP violations show up here). */
  readonly errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launch Chromium (one per test file: it is the slow part). */
export async function launchBrowser(): Promise<TestBrowser> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1366, height: 768 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
