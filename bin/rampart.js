#!/usr/bin/env node
// Entry point: checks the Node version, then runs the TypeScript sources through Node's type stripping.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `rampart needs Node.js >= 22.18 (found ${process.versions.node}).\n` +
      'Install Node 24 LTS, or run: npm i --prefix .tools node@24 && export PATH="$PWD/.tools/node_modules/.bin:$PATH"\n',
  );
  process.exit(2);
}
// first, before start-up work runs its full GCs: see src/util/tick-shape.ts
const { pinTickObjectShape } = await import('../src/util/tick-shape.ts');
pinTickObjectShape();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
// Long-running commands resolve only when they stop; exit even if a library left a handle open.
process.exitCode = code;
setImmediate(() => process.exit(code));
