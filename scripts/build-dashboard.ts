// Builds the dashboard (dashboard/ → dashboard/dist) with Vite; npm's `prepare` runs it, so `npm ci`
// in a checkout leaves the admin listener something to serve. Without the dev dependencies (a
// production install) it says so and exits 0: the listener then answers a 503 page at /.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The dashboard's source folder. */
export const DASHBOARD_ROOT = fileURLToPath(new URL('../dashboard/', import.meta.url));

/** Build the dashboard into `outDir` (default dashboard/dist); `harness` builds the test harness page instead. */
export async function buildDashboard(options: { outDir?: string; harness?: boolean; quiet?: boolean } = {}) {
  const { build } = await import('vite');
  await build({
    root: DASHBOARD_ROOT,
    configFile: fileURLToPath(new URL('../dashboard/vite.config.ts', import.meta.url)),
    logLevel: options.quiet === true ? 'warn' : 'info',
    build: {
      ...(options.outDir === undefined ? {} : { outDir: options.outDir, emptyOutDir: true }),
      ...(options.harness === true
        ? { rollupOptions: { input: fileURLToPath(new URL('../dashboard/harness.html', import.meta.url)) } }
        : {}),
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const vite = fileURLToPath(new URL('../node_modules/vite/package.json', import.meta.url));
  if (!existsSync(vite)) {
    process.stdout.write(
      'dashboard: vite is not installed (production install?); not building dashboard/dist\n',
    );
  } else {
    await buildDashboard();
  }
}
