import { VERSION } from '../version.ts';
import { UsageError } from './args.ts';
import { auditCommand } from './audit.ts';
import { type Command, type CommandIO, EXIT } from './command.ts';
import { demoCommand } from './demo.ts';
import { discoverCommand } from './discover.ts';
import { gatewayCommand } from './gateway.ts';
import { keysCommand } from './keys.ts';
import { reportCommand } from './report.ts';
import { scanCommand } from './scan.ts';
import { secretsCommand } from './secrets.ts';
import { storeCommand } from './store.ts';
import { validateConfigCommand } from './validate-config.ts';

/** Every `rampart` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  gatewayCommand,
  validateConfigCommand,
  keysCommand,
  auditCommand,
  scanCommand,
  secretsCommand,
  demoCommand,
  discoverCommand,
  reportCommand,
  storeCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `rampart ${VERSION} — API security: gateway, scanner and audit for the OWASP API Top 10

Usage: rampart <command> [options]    (rampart <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Exit codes: 0 success; 1 findings at or above --fail-on (scan, audit, secrets); 2 bad usage, config
or input document; 70 internal error.
`;
}

/** Run the CLI with the given arguments; returns the exit code. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`rampart: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`rampart ${name}: ${err.message}\n(run "rampart ${name} --help" for usage)\n`);
      return EXIT.usage;
    }
    io.stderr.write(
      `rampart ${name}: internal error\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.internal;
  }
}
