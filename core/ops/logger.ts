import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { prettyStream } from './pretty-stream.js';
import { redactSecrets } from './redact-secrets.js';

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
 * `destination`: where lines go instead of stdout (a pino destination or any writable). JSON
 * lines go to stdout synchronously, like `console.log`; for buffered asynchronous writes, pass
 * `pino.destination({ sync: false, minLength: 4096 })` (faster under load; a crash may lose
 * the last lines).
 *
 * @example
 * const log = createLogger({ level: 'debug' });
 */
export function createLogger(option?: Logger | LoggerOptions | false, destination?: DestinationStream): Logger {
  if (option === false) return pino({ level: 'silent' });
  if (option !== undefined && typeof (option as Logger).child === 'function') return option as Logger;
  const options = option as LoggerOptions | undefined;
  const settings = loggerSettings(options);
  const pretty = process.env.LOG_FORMAT === 'pretty' || (process.env.LOG_FORMAT !== 'json' && process.stdout.isTTY === true);
  // A destination of your own, or your own transport, wins over pretty mode.
  if (destination !== undefined) return redactingChildren(pino(settings, destination));
  if (settings.transport !== undefined) return redactingChildren(pino(settings));
  if (!pretty) return redactingChildren(stdoutIsOurs() ? pino(settings, pino.destination({ dest: 1, sync: true })) : pino(settings));
  const value = pino.levels.values[settings.level];
  return redactingChildren(pino(settings, prettyStream({ stacks: value !== undefined && value <= pino.levels.values.debug! })));
}

/**
 * Whether stdout is the process's own file descriptor, untouched: JSON lines then go to fd 1
 * synchronously, one write per line, as `console.log` does. pino's default (asynchronous
 * writes through the thread pool) cost about 3.5 µs more per line, a line written while the
 * process crashes is never lost, and a line is out as soon as it is logged. A stdout someone
 * replaced (a test capturing it) keeps getting the lines through its own `write`.
 */
function stdoutIsOurs(): boolean {
  const stdout = process.stdout;
  return typeof stdout.fd === 'number' && stdout.write === Object.getPrototypeOf(stdout).write;
}

/**
 * pino runs the bindings formatter for the root logger's bindings only: a child's bindings
 * are redacted here, once per child. Children inherit `child` from the root, so this covers
 * grandchildren too.
 */
function redactingChildren(logger: Logger): Logger {
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}

/**
 * The pino options of {@link createLogger}: name, level (LOG_LEVEL, else `info`), secrets
 * redacted; `options` override, your own formatters run before the redaction.
 *
 * @example
 * const log = pino(loggerSettings({ level: 'debug' }), myStream);
 */
export function loggerSettings(options?: LoggerOptions): LoggerOptions & { level: string } {
  const level = options?.level ?? process.env.LOG_LEVEL ?? 'info';
  // The wildcard paths ("*.token") are redacted by redactSecrets, in one pass that allocates
  // nothing for a line without secrets: given to pino, they cost a redactor call per key of
  // every line. pino keeps the others (top-level keys; objects interpolated into a message).
  const own = options?.formatters;
  return {
    name: 'rbmkit',
    redact: { paths: REDACTED_PATHS.filter((path) => !path.startsWith('*')), censor: '[redacted]' },
    ...options,
    level,
    formatters: {
      ...own,
      log: own?.log === undefined ? redactSecrets : (line) => redactSecrets(own.log!(line)),
      // The root logger's bindings; children's are redacted by redactingChildren.
      bindings: own?.bindings === undefined ? redactSecrets : (bindings) => redactSecrets(own.bindings!(bindings) as Record<string, unknown>),
    },
  };
}
