import type { Command } from './command.js';
import { envPort } from './env-port.js';
import { parseOptions } from './parse-options.js';

/** `rbmkit dev`: runs the agents of a config file locally, with a chat page, until a signal. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'run the agents of a config file locally and chat with them, no Google account needed',
  synopsis: 'dev [--config rbmkit.yaml] [--watch]',
  details: `Runs the agents of a config file on this machine with a local chat page, no Google
account needed, until Ctrl-C or SIGTERM.

  -c, --config FILE   the config file (default rbmkit.yaml)
  -w, --watch         reload the agents when the config file, a plugin module or a file
                      it imports changes; the chat keeps its conversations, and a change
                      that does not load is shown while the last good version keeps serving

Listens on $PORT (default 8080) and $HOST (default 127.0.0.1).`,
  async run(args) {
    const { values } = parseOptions(this, args, { options: { config: { type: 'string', short: 'c', default: 'rbmkit.yaml' }, watch: { type: 'boolean', short: 'w', default: false } } });
    // Loaded only for this command: the dev server and its page are not needed by the others.
    const { runDev } = await import('../dev.js');
    const server = await runDev({
      config: values.config,
      port: envPort(process.env, 'PORT', 8080),
      host: process.env.HOST || '127.0.0.1',
      env: process.env,
      watch: values.watch,
    });
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`rbmkit dev: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
    return 'running';
  },
};
