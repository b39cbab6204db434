/** One `rbmkit <name>` command: its help text and what it does. */
export interface Command {
  /** What is typed after `rbmkit`, e.g. `start`. */
  readonly name: string;
  /** One line for the command list of `rbmkit help`. */
  readonly summary: string;
  /** The synopsis line(s) after `usage: rbmkit `, e.g. `start [--config rbmkit.yaml]`. */
  readonly synopsis: string;
  /** The options and defaults, shown by `rbmkit help <name>` and `rbmkit <name> --help`. */
  readonly details: string;
  /**
   * Runs the command with the arguments after its name. Resolves with the exit code, or with
   * `'running'` for a server that keeps the process alive until a signal.
   */
  run(args: readonly string[]): Promise<number | 'running'>;
}

/**
 * The full help text of a command.
 *
 * @example
 * commandUsage(startCommand); // 'usage: rbmkit start [--config rbmkit.yaml]\n\nRuns the agents…'
 */
export function commandUsage(command: Command): string {
  return `usage: rbmkit ${command.synopsis}\n\n${command.details}`;
}
