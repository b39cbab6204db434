import type { Readable, Writable } from 'node:stream';
import { Conversation } from '../dev/conversation.js';
import type { PushOutcome } from '../dev/push-to-webhook.js';
import type { UserAction } from '../dev/user-action.js';
import { FakeRbmApi } from '../testing/fake-rbm-api.js';
import type { Chip } from './render-message.js';
import { chatLines, sayAgentMessage } from './chat-terminal.js';
import { startFakeApi } from './start-fake-api.js';

export interface ChatOptions {
  /** The agent's webhook URL. */
  readonly webhook: string;
  /** The webhook's clientToken, to sign pushes with. */
  readonly token: string;
  readonly agentId: string;
  /** You: the user's E.164 number. */
  readonly phone: string;
  /** Port of the fake RBM API the agent's replies go to. */
  readonly apiPort: number;
  readonly input: Readable;
  readonly output: Writable;
}

const HELP = `  type a message and press Enter; a chip's number taps it
  /location <lat> <lng>   share a location
  /file <url> [mime]      share a file
  /tap <postbackData>     tap a chip by its postbackData
  /delivered, /read       report the agent's last message delivered or read
  /typing                 show the agent you are typing
  /subscribe, /unsubscribe
  /help, /quit`;

/**
 * What one typed line asks for: a user action, or text to print instead (help, a mistake).
 *
 * @example
 * chatLineAction('/location 48.85 2.29', [], undefined); // { type: 'location', latitude: 48.85, longitude: 2.29 }
 * chatLineAction('2', chips, undefined); // the second chip's tap
 */
export function chatLineAction(line: string, chips: readonly Chip[], lastAgentMessage: string | undefined): UserAction | string {
  const [command, ...args] = line.split(/\s+/);
  if (/^\d+$/.test(line) && chips.length > 0) {
    const chip = chips[Number(line) - 1];
    if (chip === undefined) return `  ! no chip ${line}; expected 1 to ${chips.length}`;
    return { type: 'tap', postbackData: chip.postbackData, text: chip.text, kind: chip.type };
  }
  switch (command) {
    case '/help':
      return HELP;
    case '/location': {
      const [lat, lng] = args.map(Number);
      if (lat === undefined || lng === undefined || Number.isNaN(lat) || Number.isNaN(lng)) return '  ! expected /location <latitude> <longitude>';
      return { type: 'location', latitude: lat, longitude: lng };
    }
    case '/file': {
      const [url, mime] = args;
      if (url === undefined) return '  ! expected /file <url> [mime type]';
      return { type: 'file', url, ...(mime === undefined ? {} : { mimeType: mime }) };
    }
    case '/tap':
      if (args[0] === undefined) return '  ! expected /tap <postbackData>';
      return { type: 'tap', postbackData: args[0], text: args[0], kind: 'REPLY' };
    case '/delivered':
    case '/read':
      if (lastAgentMessage === undefined) return '  ! the agent has sent nothing yet';
      return { type: 'event', eventType: command === '/read' ? 'READ' : 'DELIVERED', messageId: lastAgentMessage };
    case '/typing':
      return { type: 'event', eventType: 'IS_TYPING' };
    case '/subscribe':
      return { type: 'event', eventType: 'SUBSCRIBE' };
    case '/unsubscribe':
      return { type: 'event', eventType: 'UNSUBSCRIBE' };
    default:
      if (line.startsWith('/')) return `  ! unknown command ${command}; type /help`;
      return { type: 'text', text: line };
  }
}

/**
 * The lines the terminal prints for a webhook answer that is not a plain 200: the status,
 * the error, and each failed plugin.
 *
 * @example
 * outcomeLines({ status: 500, latencyMs: 9, error: 'plugin_failed', message: 'plugins failed: crash' }, url);
 * // ['  ! the agent answered 500 plugin_failed: plugins failed: crash']
 */
export function outcomeLines(outcome: PushOutcome, webhook: string): string[] {
  if (outcome.error === undefined) return [];
  if (outcome.status === 0) return [`  ! cannot reach ${webhook}: is the agent running? (npm run echo) [${outcome.message ?? ''}]`];
  const hint = outcome.status === 401 ? " (is the token the agent's clientToken? set RBM_CLIENT_TOKEN or --token)" : '';
  const failures = (outcome.plugins ?? []).map((p) => `    plugin ${p.plugin} failed${p.error === '' ? '' : `: ${p.error}`}`);
  return [`  ! the agent answered ${outcome.status} ${outcome.error}: ${outcome.message ?? ''}${hint}`, ...failures];
}

/**
 * A terminal chat with an agent, with no Google account: plays Google's part by signing each
 * line as a real push to the webhook, and serves the fake RBM API the agent's replies go to.
 *
 * @example
 * await runChat({ webhook: 'http://127.0.0.1:8080/webhook', token, agentId, phone, apiPort: 8081, input: process.stdin, output: process.stdout });
 */
export async function runChat(options: ChatOptions): Promise<void> {
  const { output } = options;
  const say = (line: string) => output.write(`${line}\n`);
  const api = await startFakeApi(() => FakeRbmApi.start({ port: options.apiPort }), 'the fake RBM API', options.apiPort);
  const talk = new Conversation({ webhook: options.webhook, token: options.token, agentId: options.agentId, phone: options.phone, api });
  let chips: Chip[] = [];

  talk.onAgent((item) => {
    if ('event' in item) {
      say(item.event.eventType === 'READ' ? '  ✓✓ read' : '  … typing');
      return;
    }
    chips = sayAgentMessage(say, item.message);
  });

  say(`rbmkit chat: you are ${options.phone}, talking to ${options.agentId}`);
  say(`  your messages go to ${options.webhook}, signed as Google signs them`);
  say(`  the agent's replies come to the fake RBM API at ${api.url}`);
  say('  type a message, or /help');

  for await (const line of chatLines(options.input, say)) {
    const action = chatLineAction(line, chips, talk.lastAgentMessageId);
    if (typeof action === 'string') say(action);
    else outcomeLines((await talk.send(action)).outcome, options.webhook).forEach(say);
  }
  // Replies sent after the agent answered (background work) still get a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 200));
  talk.close();
  await api.close();
}
