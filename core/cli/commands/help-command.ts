import { commandUsage, type Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/**
 * The overview `rbmkit help` prints: every command of the table with its summary.
 *
 * @example
 * console.log(overview(COMMANDS));
 */
export function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `usage: rbmkit <command> [options]

${lines.join('\n')}

rbmkit help <command> (or rbmkit <command> --help) shows a command's options;
rbmkit --version prints the version.`;
}

/**
 * `rbmkit help [command]`, over a command table given lazily (the table holds this command).
 *
 * @example
 * const COMMANDS = [startCommand, helpCommand(() => COMMANDS)];
 */
export function helpCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'help',
    summary: "this list, or a command's options: rbmkit help <command>",
    synopsis: 'help [command]',
    details: 'Prints the list of commands, or with a command name, its options and defaults.',
    async run(args) {
      const { positionals } = parseOptions(this, args, { allowPositionals: true, options: {} });
      if (positionals.length === 0) {
        console.log(overview(commands()));
        return 0;
      }
      const [name, ...rest] = positionals;
      if (rest.length > 0) throw new UsageError(this, `expected at most one command name, got ${positionals.join(' ')}`);
      const command = commands().find((candidate) => candidate.name === name);
      if (command === undefined) throw new UsageError(this, `unknown command "${name}"; expected one of: ${commands().map((c) => c.name).join(', ')}`);
      console.log(commandUsage(command));
      return 0;
    },
  };
}
