import { commandUsage, type Command } from './command.js';
import { overview } from './help-command.js';
import { packageInfo } from './package-info.js';
import { UsageError } from './usage-error.js';

/**
 * Runs one `rbmkit` command line against a command table: `--version`, `--help`, `help`,
 * then the named command. Resolves with the exit code (2 for a usage error or a failure, with
 * the message on stderr), or `'running'` while a server runs.
 *
 * @example
 * const code = await runCli(['start', '--config', 'rbmkit.yaml'], COMMANDS);
 */
export async function runCli(argv: readonly string[], commands: readonly Command[]): Promise<number | 'running'> {
  const [name, ...args] = argv;
  let command: Command | undefined;
  try {
    if (name === '--version' || name === '-v') {
      console.log(packageInfo().version);
      return 0;
    }
    if (name === undefined || name === '--help' || name === '-h') {
      console.log(overview(commands));
      return 0;
    }
    command = commands.find((candidate) => candidate.name === name);
    if (command === undefined) {
      const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`;
      throw new UsageError(undefined, `${what}; expected one of: ${commands.map((c) => c.name).join(', ')} (or --help, --version)`);
    }
    if (asksForHelp(args)) {
      console.log(commandUsage(command));
      return 0;
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.describe(overview(commands)));
      return 2;
    }
    console.error(`rbmkit${command === undefined ? '' : ` ${command.name}`}: ${(error as Error).message}`);
    return 2;
  }
}

/** `--help` or `-h` among a command's options (before a `--`). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}
