// Test helper: a realistic project tree in a temp dir, with freshly generated keys planted in it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeys, type Keys } from './keygen.ts';

/** Writes `files` (relative path → content) under a new temp dir and returns its path. */
export function writeTree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'rampart-secrets-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

/** A project with a .env, a config.js, a minified bundle, its source map and a YAML file, each holding keys. */
export function projectFiles(k: Keys = generateKeys()) {
  const configSource = `export const config = {\n  stripeKey: "${k.stripe}",\n  region: "eu-west-1",\n};\n`;
  const bundle = `!function(){"use strict";var e={};${'e.f=function(t){return t+1};'.repeat(5000)}var n={apiKey:"${k.gcpApiKey}",projectId:"acme-prod"};e.c=n}();\n//# sourceMappingURL=app.min.js.map\n`;
  const map = JSON.stringify({
    version: 3,
    file: 'app.min.js',
    sources: ['src/firebase.ts', 'src/slack.ts'],
    sourcesContent: [
      `// Firebase setup\nexport const firebase = {\n  apiKey: "${k.gcpApiKey}",\n};\n`,
      `import { post } from './http';\n\nconst HOOK = '${k.slackWebhook}';\nexport const notify = (m: string) => post(HOOK, m);\n`,
    ],
    names: [],
    mappings: 'AAAA,SAASA,EAAE;AACd',
  });
  return {
    keys: k,
    files: {
      '.env': `NODE_ENV=production\nDATABASE_URL=postgres://app:${k.dbPassword}@db.acme.io:5432/app\nGITHUB_TOKEN=${k.githubClassic}\n`,
      'src/config.js': configSource,
      'dist/app.min.js': bundle,
      'dist/app.min.js.map': map,
      'deploy/values.yaml': `image: acme/api:1.4.2\nenv:\n  NPM_TOKEN: ${k.npm}\n  SENDGRID_API_KEY: "${k.sendgrid}"\nreplicas: 3\n`,
      'README.md': `# Acme\nRun \`npm start\`. Ids look like ${'0123456789abcdef'.repeat(2)}.\n`,
    } as Record<string, string>,
  };
}
