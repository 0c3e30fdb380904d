// Throughput of `rampart secrets` on ~100 MB of source-like text (target: under 10 s).
// Run: node bench/secrets-speed.ts [megabytes]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_ALLOWLIST } from '../src/secrets/allowlist.ts';
import { scanPaths } from '../src/secrets/scan.ts';
import { generateKeys } from '../test/secrets/keygen.ts';

const targetMb = Number(process.argv[2] ?? 100);
const FILE_BYTES = 200 * 1024;

// A deterministic PRNG so every run scans the same text.
let seed = 0x2545f491;
function next(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(next() * xs.length)] as T;
}
function word(): string {
  return pick(WORDS);
}
const WORDS = [
  'user',
  'order',
  'token',
  'key',
  'secret',
  'password',
  'config',
  'request',
  'response',
  'handler',
  'value',
  'item',
  'list',
  'index',
  'result',
  'error',
  'data',
  'session',
  'cache',
  'client',
  'auth',
  'apiKey',
  'accessToken',
  'id',
  'name',
  'count',
  'limit',
  'offset',
  'buffer',
  'stream',
  'route',
];
const hex = (n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(next() * 16)];
  return s;
};
const LINES: Array<() => string> = [
  () =>
    `  const ${word()}${word().replace(/^./, (c) => c.toUpperCase())} = await ${word()}.get(${word()}Id);`,
  () =>
    `  if (!${word()} || ${word()}.length > ${Math.floor(next() * 1000)}) throw new Error('invalid ${word()}');`,
  () => `  // ${word()} the ${word()} before the ${word()} is sent to the ${word()} handler`,
  () => `  ${word()}: "${word()}-${word()}",`,
  () => `  const ${word()}Token = req.headers.authorization?.slice(7) ?? '';`,
  () => `  password: process.env.DB_PASSWORD,`,
  () => `  const url = \`https://api.example.com/v1/${word()}s/\${${word()}.id}\`;`,
  () => `  sha: '${hex(40)}', // commit`,
  () => `  requestId: '${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}',`,
  () =>
    `export function ${word()}To${word().replace(/^./, (c) => c.toUpperCase())}(${word()}: string): number {`,
  () => '  return Math.max(0, Math.min(limit, offset + count));',
  () => '}',
  () => '',
  () => `import { ${word()} } from './${word()}.ts';`,
  () => `  key: \`${word()}:\${${word()}}\`,`,
];

function fileText(): string {
  let s = '';
  while (s.length < FILE_BYTES) s += `${pick(LINES)()}\n`;
  return s;
}

const root = mkdtempSync(join(tmpdir(), 'rampart-secrets-speed-'));
try {
  const files = Math.ceil((targetMb * 1024 * 1024) / FILE_BYTES);
  const keys = generateKeys();
  const planted = [keys.githubClassic, keys.stripe, keys.gcpApiKey, keys.npm, keys.rampartLive];
  let plantedCount = 0;
  const t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${Math.floor(i / 50)}`, 'src');
    mkdirSync(dir, { recursive: true });
    let text = fileText();
    if (i % 100 === 7) plantedCount++;
    if (i % 100 === 7) text += `const leaked = "${planted[Math.floor(i / 100) % planted.length]}";\n`;
    writeFileSync(join(dir, `module${i}.ts`), text);
  }
  const genMs = performance.now() - t0;
  const t1 = performance.now();
  const result = scanPaths({
    paths: ['.'],
    cwd: root,
    gitignore: false,
    maxFileSize: 10 << 20,
    allowlist: EMPTY_ALLOWLIST,
  });
  const scanMs = performance.now() - t1;
  const mb = result.bytesScanned / (1024 * 1024);
  console.log(`generated ${files} files in ${(genMs / 1000).toFixed(1)} s`);
  console.log(
    `scanned ${mb.toFixed(1)} MB in ${result.filesScanned} files: ${(scanMs / 1000).toFixed(2)} s, ` +
      `${(mb / (scanMs / 1000)).toFixed(1)} MB/s, ${result.findings.length} findings ` +
      `(${plantedCount} planted)`,
  );
  const byRule = new Map<string, number>();
  for (const f of result.findings) byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
  console.log([...byRule].map(([r, n]) => `${r}=${n}`).join(' '));
  console.log(scanMs < 10_000 ? 'target met: under 10 s' : 'target missed: 10 s or more');
} finally {
  rmSync(root, { recursive: true, force: true });
}
