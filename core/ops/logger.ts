import { pino, type Logger, type LoggerOptions } from 'pino';

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
 * are JSON, or pretty-printed when stdout is a terminal (LOG_FORMAT=json|pretty decides).
 *
 * @example
 * const log = createLogger({ level: 'debug' });
 */
export function createLogger(option?: Logger | LoggerOptions | false): Logger {
  if (option === false) return pino({ level: 'silent' });
  if (option !== undefined && typeof (option as Logger).child === 'function') return option as Logger;
  const pretty = process.env.LOG_FORMAT === 'pretty' || (process.env.LOG_FORMAT !== 'json' && process.stdout.isTTY === true);
  return pino({
    name: 'rbmkit',
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss' } } } : {}),
    ...(option as LoggerOptions | undefined),
  });
}
