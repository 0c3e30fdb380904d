// `npm run detect:eval`: every detector measured on the shared corpora, one section after another.
// Each script is also runnable alone (node bench/detect-eval/<name>.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPTS = ['injection.ts', 'pii.ts', 'secrets.ts'];
let failed = 0;
for (const script of SCRIPTS) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  if (!existsSync(file)) {
    process.stdout.write(`\n## ${script}: not present\n`);
    continue;
  }
  process.stdout.write(`\n## ${script}\n\n`);
  const r = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
