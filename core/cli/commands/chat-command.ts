import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/**
 * The webhook the CLI talks to unless told otherwise: the local agent's partner webhook.
 *
 * @example
 * defaultWebhook({ PORT: '3000' }); // 'http://127.0.0.1:3000/webhook'
 */
export const defaultWebhook = (env: NodeJS.ProcessEnv = process.env): string => `http://127.0.0.1:${env.PORT || 8080}/webhook`;

/**
 * The clientToken the CLI signs with unless told otherwise: RBM_CLIENT_TOKEN, else the local development token.
 *
 * @example
 * await defaultToken({}); // 'local-dev-token'
 */
export async function defaultToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return env.RBM_CLIENT_TOKEN || (await import('rbmkit/advanced')).LOCAL_DEV_TOKEN;
}

/** `rbmkit chat`: a terminal chat with an agent, playing Google's part. */
export const chatCommand: Command = {
  name: 'chat',
  summary: 'chat with an agent from this terminal, no Google account needed',
  synopsis: 'chat [--webhook URL] [--token T] [--agent ID] [--phone E164] [--api-port N] [--dialect rbm|business-messages] [--conversation ID]',
  details: `Signs each line you type as a real push to the agent's webhook, and serves the fake RBM
API the agent's replies go to (start the agent with RBM_API_URL pointing at it, or without
Google credentials). Type /help in the chat for chips, locations, files and events.

  --webhook URL    the agent's webhook (default http://127.0.0.1:$PORT/webhook, PORT 8080)
  --token T        its clientToken (default $RBM_CLIENT_TOKEN, else the local development token)
  --agent ID       the agentId pushes name (default echo-agent@rbm.goog)
  --phone E164     you, the user (default +15555550100)
  --api-port N     the port of the fake RBM API (default 8081)

Business Messages (--dialect business-messages, or --bm): plays Google's BM instead: signs each
body over its raw bytes, posts it to the agent's BM webhook, and serves the fake BM API (start
the agent with BM_API_URL=http://127.0.0.1:8081).

  --webhook URL    default http://127.0.0.1:$PORT/bm
  --token T        default $BM_CLIENT_TOKEN, else the local development token
  --agent NAME     the agent's resource name (default brands/echo/agents/echo-agent)
  --conversation ID  you, the conversation (default a fresh id)`,
  async run(args) {
    const { values } = parseOptions(this, args, {
      options: {
        // Defaults depend on the dialect: applied below.
        webhook: { type: 'string' },
        token: { type: 'string' },
        agent: { type: 'string' },
        phone: { type: 'string', default: '+15555550100' },
        'api-port': { type: 'string', default: '8081' },
        dialect: { type: 'string', default: 'rbm' },
        bm: { type: 'boolean', default: false },
        conversation: { type: 'string' },
      },
    });
    const dialect = values.bm === true ? 'business-messages' : values.dialect;
    if (dialect !== 'rbm' && dialect !== 'business-messages') throw new UsageError(this, `--dialect: expected rbm or business-messages, got ${dialect}`);
    const apiPort = Number(values['api-port']);
    if (!Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65535) throw new UsageError(this, `--api-port: expected a port number, got ${values['api-port']}`);
    if (dialect === 'business-messages') {
      const [{ LOCAL_DEV_TOKEN }, { runBmChat }, { randomUUID }] = await Promise.all([import('rbmkit/advanced'), import('../bm-chat.js'), import('node:crypto')]);
      const conversationId = values.conversation ?? randomUUID();
      if (!/^[A-Za-z0-9._~-]{1,1000}$/.test(conversationId)) throw new UsageError(this, `--conversation: expected letters, digits, . _ ~ -, got ${conversationId}`);
      await runBmChat({
        webhook: values.webhook ?? `http://127.0.0.1:${process.env.PORT || 8080}/bm`,
        token: values.token ?? (process.env.BM_CLIENT_TOKEN?.split(',')[0]?.trim() || LOCAL_DEV_TOKEN),
        agent: values.agent ?? 'brands/echo/agents/echo-agent',
        conversationId,
        apiPort,
        input: process.stdin,
        output: process.stdout,
      });
      return 0;
    }
    // Loaded here, not on every rbmkit command: help and --version stay quick.
    const [{ isE164 }, { runChat }] = await Promise.all([import('rbmkit/advanced'), import('../chat.js')]);
    if (!isE164(values.phone)) throw new UsageError(this, `--phone: expected an E.164 number like +15555550100, got ${values.phone}`);
    const webhook = values.webhook ?? defaultWebhook();
    const token = values.token ?? (await defaultToken());
    await runChat({ webhook, token, agentId: values.agent ?? 'echo-agent@rbm.goog', phone: values.phone, apiPort, input: process.stdin, output: process.stdout });
    return 0;
  },
};
