import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';

/** `rbmkit start`: runs the agents of a config file until a signal. */
export const startCommand: Command = {
  name: 'start',
  summary: 'run the agents of a JSON or YAML config file',
  synopsis: 'start [--config rbmkit.yaml]',
  details: `Runs the agents of a config file (its keys: docs/config.md) until Ctrl-C or SIGTERM.

  -c, --config FILE   the config file (default rbmkit.yaml)

Listens on the config's port and host, else $PORT (default 8080) and $HOST; without a host
anywhere, on 127.0.0.1 when a webhook accepts the local development token, else on every
interface. Replies go where clientFromEnv() says (GOOGLE_APPLICATION_CREDENTIALS, RBM_API_URL).
With $REDIS_URL, dedupe and sessions are shared through Redis (several instances). On Cloud
Run ($K_SERVICE), handlers get 6 s after SIGTERM unless the file sets shutdownTimeoutMs, so
the process exits within the 10 s before Cloud Run kills it.`,
  async run(args) {
    const { values } = parseOptions(this, args, { options: { config: { type: 'string', short: 'c', default: 'rbmkit.yaml' } } });
    const { runStart } = await import('../start.js');
    await runStart(values.config);
    return 'running';
  },
};
