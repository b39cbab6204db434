import { defaultToken, defaultWebhook } from './chat-command.js';
import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/** `rbmkit send`: replays a decoded RBM document as a signed push. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'sign a decoded RBM document and POST it to a webhook',
  synopsis: 'send <fixture.json> [--webhook URL] [--token T]',
  details: `Signs a JSON file holding a decoded RBM document (a push's message.data) as Google would
and POSTs it to a webhook, then prints the answer and, when it failed, why. Exit code 0 on a
2xx answer, 1 otherwise.

  --webhook URL    the agent's webhook (default http://127.0.0.1:$PORT/webhook, PORT 8080)
  --token T        its clientToken (default $RBM_CLIENT_TOKEN, else the local development token)`,
  async run(args) {
    const { values, positionals } = parseOptions(this, args, {
      allowPositionals: true,
      options: { webhook: { type: 'string', default: defaultWebhook() }, token: { type: 'string', default: await defaultToken() } },
    });
    if (positionals.length !== 1) throw new UsageError(this, `expected one fixture file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    const { sendFixture } = await import('../send.js');
    const status = await sendFixture(positionals[0]!, { webhook: values.webhook, token: values.token }, (line) => console.log(line));
    return status >= 200 && status < 300 ? 0 : 1;
  },
};
