// Stand-alone entry for `rampart secrets` until the dispatcher wires it in: node src/cli/secrets-main.ts …
import { secretsCommand } from './secrets.ts';

process.exitCode = await secretsCommand.run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
