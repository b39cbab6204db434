import { pino, type Logger, type LoggerOptions } from 'pino';
import { prettyStream } from './pretty-stream.js';

export type { Logger };

/** Paths pino replaces with "[redacted]" wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'clientToken',
  'secret',
  'signature',
  'token',
  'accessToken',
  'authorization',
  '*.clientToken',
  '*.secret',
  '*.signature',
  '*.token',
  '*.accessToken',
  '*.authorization',
  'headers["x-goog-signature"]',
];

/**
 * The bot's logger: pino, with secrets redacted. Pass a pino logger to use your own, `false`
 * for silence, or options to tune this one (level defaults to LOG_LEVEL, else `info`). Lines
 * are JSON, or pretty-printed when stdout is a terminal (LOG_FORMAT=json|pretty decides): one
 * line per log line, error stacks only at `debug` and `trace`.
 *
 * @example
 * const log = createLogger({ level: 'debug' });
 */
export function createLogger(option?: Logger | LoggerOptions | false): Logger {
  if (option === false) return pino({ level: 'silent' });
  if (option !== undefined && typeof (option as Logger).child === 'function') return option as Logger;
  const options = option as LoggerOptions | undefined;
  const level = options?.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = process.env.LOG_FORMAT === 'pretty' || (process.env.LOG_FORMAT !== 'json' && process.stdout.isTTY === true);
  const settings: LoggerOptions = { name: 'rbmkit', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, ...options };
  // Your own transport wins over pretty mode.
  if (!pretty || settings.transport !== undefined) return pino(settings);
  const value = pino.levels.values[level];
  return pino(settings, prettyStream({ stacks: value !== undefined && value <= pino.levels.values.debug! }));
}
