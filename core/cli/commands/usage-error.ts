import { commandUsage, type Command } from './command.js';

/**
 * A command line that cannot be run as given (unknown option, missing argument): printed with
 * the command's usage, exit code 2.
 *
 * @example
 * throw new UsageError(sendCommand, 'expected one fixture file, got none');
 */
export class UsageError extends Error {
  constructor(
    readonly command: Command | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }

  /** The message, then the command's usage (or the command list's, given as `overview`). */
  describe(overview: string): string {
    const prefix = this.command === undefined ? 'rbmkit' : `rbmkit ${this.command.name}`;
    return `${prefix}: ${this.message}\n\n${this.command === undefined ? overview : commandUsage(this.command)}`;
  }
}
