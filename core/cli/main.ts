#!/usr/bin/env node
// rbmkit: run agents from a config file, chat with an agent locally, replay a push.
import { parseArgs } from 'node:util';
import { LOCAL_DEV_TOKEN } from 'rbmkit';
import { isE164 } from 'rbmkit/advanced';
import { runChat } from './chat.js';
import { sendFixture } from './send.js';
import { runStart } from './start.js';

const USAGE = `usage: rbmkit <command> [options]

  start [--config rbmkit.yaml]    run the agents of a JSON or YAML config file
  chat  [--webhook URL] [--token T] [--agent ID] [--phone E164] [--api-port N]
                                  chat with an agent from this terminal, no Google account needed
  send  <fixture.json> [--webhook URL] [--token T]
                                  sign a decoded RBM document and POST it to a webhook
  help                            this text

Defaults: --webhook http://127.0.0.1:$PORT/webhook (PORT 8080), --token $RBM_CLIENT_TOKEN
(or the local development token), --agent echo-agent@rbm.goog, --phone +15555550100,
--api-port 8081.`;

const defaultWebhook = () => `http://127.0.0.1:${process.env.PORT ?? 8080}/webhook`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c', default: 'rbmkit.yaml' } } });
      await runStart(values.config!);
      return -1; // keep running until a signal
    }
    case 'chat': {
      const { values } = parseArgs({
        args,
        options: {
          webhook: { type: 'string', default: defaultWebhook() },
          token: { type: 'string', default: process.env.RBM_CLIENT_TOKEN ?? LOCAL_DEV_TOKEN },
          agent: { type: 'string', default: 'echo-agent@rbm.goog' },
          phone: { type: 'string', default: '+15555550100' },
          'api-port': { type: 'string', default: '8081' },
        },
      });
      const apiPort = Number(values['api-port']);
      if (!Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65535) throw new Error(`--api-port: expected a port number, got ${values['api-port']}`);
      if (!isE164(values.phone!)) throw new Error(`--phone: expected an E.164 number like +15555550100, got ${values.phone}`);
      await runChat({ webhook: values.webhook!, token: values.token!, agentId: values.agent!, phone: values.phone!, apiPort, input: process.stdin, output: process.stdout });
      return 0;
    }
    case 'send': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { webhook: { type: 'string', default: defaultWebhook() }, token: { type: 'string', default: process.env.RBM_CLIENT_TOKEN ?? LOCAL_DEV_TOKEN } },
      });
      if (positionals.length !== 1) throw new Error('send: expected one fixture file: rbmkit send <fixture.json>');
      const status = await sendFixture(positionals[0]!, { webhook: values.webhook!, token: values.token! }, (line) => console.log(line));
      return status >= 200 && status < 300 ? 0 : 1;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`rbmkit: unknown command "${command}"; expected one of: start, chat, send, help\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`rbmkit: ${(error as Error).message}`);
    process.exit(2);
  },
);
