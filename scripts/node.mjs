#!/usr/bin/env node
// Runs Node with the given arguments on a Node new enough for Rampart (>= 22.18). Where the machine's
// node is older, Node 24 LTS is installed once from the npm registry into .tools/ (git-ignored) and used.
// Plain JavaScript on purpose: it must run on the old Node it replaces.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
let node = process.execPath;
if (major < 22 || (major === 22 && minor < 18)) {
  const tools = join(root, '.tools');
  node = join(tools, 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    process.stderr.write(
      `Node ${process.versions.node} is too old for Rampart; installing Node 24 into .tools/ …\n`,
    );
    mkdirSync(tools, { recursive: true });
    if (!existsSync(join(tools, 'package.json')))
      writeFileSync(join(tools, 'package.json'), '{"name":"rampart-tools","private":true}\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', 'node@24'], {
      cwd: tools,
      stdio: 'inherit',
    });
    if (r.status !== 0 || !existsSync(node)) {
      process.stderr.write('Could not install Node 24; install Node >= 22.18 yourself and try again.\n');
      process.exit(2);
    }
  }
  // children that spawn `node` (tests, cluster workers) get the same new Node
  process.env.PATH = `${dirname(node)}:${process.env.PATH ?? ''}`;
}
const child = spawn(node, process.argv.slice(2), { stdio: 'inherit', cwd: process.cwd() });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
