import { createRequire } from 'node:module';
import type pinoPretty from 'pino-pretty';
import { formatLogLine } from './pretty-format.js';

/** pino-pretty, loaded on first use: it takes ~100 ms to load, and JSON mode never needs it. */
const loadPretty = (): typeof pinoPretty => createRequire(import.meta.url)('pino-pretty') as typeof pinoPretty;

export interface PrettyStreamOptions extends Omit<pinoPretty.PrettyOptions, 'messageFormat' | 'hideObject'> {
  /** Print error stacks under their line: on when the level is `debug` or `trace`. Default: off. */
  readonly stacks?: boolean;
}

/**
 * pino-pretty's options for rbmkit's pretty logs: one line per log line (time, level, then
 * {@link formatLogLine}), objects hidden, stacks only when `stacks` is on.
 *
 * @example
 * const format = pinoPretty.prettyFactory({ ...prettyOptions({ stacks: false }), colorize: false });
 * format(JSON.stringify({ level: 30, time: Date.now(), msg: 'listening' })); // '[14:10:32] INFO: listening\n'
 */
export function prettyOptions(options: PrettyStreamOptions = {}): pinoPretty.PrettyOptions {
  const { stacks = false, ...rest } = options;
  return {
    translateTime: 'HH:MM:ss',
    ignore: 'pid,hostname,name',
    ...rest,
    hideObject: true,
    messageFormat: (log, _messageKey, _levelLabel, { colors }) => formatLogLine(log, { stacks, dim: colors.gray }),
  };
}

/**
 * The destination of pretty mode: pino-pretty with {@link prettyOptions}, writing to stdout
 * synchronously (no line lost when the process exits). It runs in this thread, not as a pino
 * transport: a transport's worker thread cannot be handed the formatting function, nor load
 * TypeScript when rbmkit runs from source.
 *
 * @example
 * const log = pino({ level: 'debug' }, prettyStream({ stacks: true }));
 */
export function prettyStream(options: PrettyStreamOptions = {}): pinoPretty.PrettyStream {
  return loadPretty()({ sync: true, ...prettyOptions(options) });
}
