import type { Readable, Writable } from 'node:stream';
import type { AgentMessage } from '../client/agent-message.js';
import { bmUserBody } from '../dev/bm-user-action.js';
import { pushBmToWebhook } from '../dev/push-to-webhook.js';
import { FakeBmApi, type FakeBmMessage } from '../testing/fake-bm-api.js';
import { chatLineAction, outcomeLines } from './chat.js';
import type { Chip } from './render-message.js';
import { chatLines, sayAgentMessage } from './chat-terminal.js';
import { startFakeApi } from './start-fake-api.js';

export interface BmChatOptions {
  /** The agent's Business Messages webhook URL. */
  readonly webhook: string;
  /** The webhook's clientToken, to sign bodies with. */
  readonly token: string;
  /** The agent's resource name, `brands/B/agents/A`. */
  readonly agent: string;
  /** You: the conversation id. */
  readonly conversationId: string;
  /** Port of the fake Business Messages API the agent's replies go to. */
  readonly apiPort: number;
  readonly input: Readable;
  readonly output: Writable;
}

/** A BM message body as the AgentMessage the renderer shows (the shapes of text, cards and chips match). */
function asAgentMessage(body: FakeBmMessage['body']): AgentMessage {
  const image = body.image as { contentInfo?: AgentMessage['contentMessage']['contentInfo'] } | undefined;
  return {
    contentMessage: {
      ...(typeof body.text === 'string' ? { text: body.text } : {}),
      ...(body.richCard === undefined ? {} : { richCard: body.richCard as never }),
      ...(image?.contentInfo === undefined ? {} : { contentInfo: image.contentInfo }),
      ...(Array.isArray(body.suggestions) ? { suggestions: body.suggestions as never } : {}),
    },
  };
}

/**
 * `rbmkit chat --dialect business-messages`: a terminal chat with an agent's Business Messages
 * webhook, playing Google's part: each line is signed over its raw body bytes and posted, and
 * the fake Business Messages API the agent's replies go to is served locally.
 *
 * @example
 * await runBmChat({ webhook: 'http://127.0.0.1:8080/bm', token, agent: 'brands/b/agents/a', conversationId: 'C1', apiPort: 8081, input: process.stdin, output: process.stdout });
 */
export async function runBmChat(options: BmChatOptions): Promise<void> {
  const { output } = options;
  const say = (line: string) => output.write(`${line}\n`);
  const api = await startFakeApi(() => FakeBmApi.start({ port: options.apiPort }), 'the fake Business Messages API', options.apiPort);
  let chips: Chip[] = [];
  let lastAgentMessage: string | undefined;
  const stop = api.onReceive((item) => {
    if (item.conversationId !== options.conversationId) return;
    if ('receiptType' in item) return say('  ✓✓ read');
    if ('eventType' in item) return say(item.eventType === 'TYPING_STARTED' ? '  … typing' : `  (${item.eventType})`);
    lastAgentMessage = item.messageId;
    chips = sayAgentMessage(say, asAgentMessage(item.body));
  });

  say(`rbmkit chat (Business Messages): you are conversation ${options.conversationId}, talking to ${options.agent}`);
  say(`  your messages go to ${options.webhook}, signed over the raw body as Google signed them`);
  say(`  the agent's replies come to the fake Business Messages API at ${api.url} (start the agent with BM_API_URL=${api.url})`);
  say('  type a message, or /help');

  for await (const line of chatLines(options.input, say)) {
    const action = chatLineAction(line, chips, lastAgentMessage);
    if (typeof action === 'string') {
      say(action);
      continue;
    }
    const request = bmUserBody(action, { agent: options.agent, conversationId: options.conversationId });
    if (typeof request === 'string') {
      say(request);
      continue;
    }
    outcomeLines(await pushBmToWebhook(options.webhook, options.token, request.body), options.webhook).forEach(say);
  }
  // Replies sent after the agent answered (background work) still get a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 200));
  stop();
  await api.close();
}
