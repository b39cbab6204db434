import type { Bot } from '../bot.js';

/**
 * Closes the bot cleanly on SIGINT (Ctrl-C) or SIGTERM: stops accepting, lets handlers in
 * flight finish, tears plugins down, then exits 0. A second signal exits at once with 1.
 *
 * @example
 * const bot = createBot(config);
 * await bot.listen(8080);
 * stopOnSignals(bot);
 */
export function stopOnSignals(bot: Bot, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    bot.log.info({ signal }, 'shutting down: finishing events in flight');
    bot.close().then(
      () => process.exit(0),
      (error: unknown) => {
        bot.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, stop);
}
