import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { FakeRbmApi, type FakeEvent, type FakeMessage } from '../testing/fake-rbm-api.js';
import { signedPush, post } from '../testing/signed-push.js';
import { renderMessage, type Chip } from './render-message.js';

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
 * A terminal chat with an agent, with no Google account: plays Google's part by signing each
 * line as a real push to the webhook, and serves the fake RBM API the agent's replies go to.
 *
 * @example
 * await runChat({ webhook: 'http://127.0.0.1:8080/webhook', token, agentId, phone, apiPort: 8081, input: process.stdin, output: process.stdout });
 */
export async function runChat(options: ChatOptions): Promise<void> {
  const { output } = options;
  const say = (line: string) => output.write(`${line}\n`);
  let api: FakeRbmApi;
  try {
    api = await FakeRbmApi.start({ port: options.apiPort });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `port ${options.apiPort} is taken; expected a free port for the fake RBM API (pass --api-port)`
        : `cannot start the fake RBM API: ${(error as Error).message}`,
    );
  }
  let chips: Chip[] = [];
  let lastAgentMessage: string | undefined;

  api.onReceive((item: FakeMessage | FakeEvent) => {
    if ('event' in item) {
      say(item.event.eventType === 'READ' ? '  ✓✓ read' : '  … typing');
      return;
    }
    lastAgentMessage = item.messageId;
    const rendered = renderMessage(item.message);
    chips = rendered.chips;
    rendered.lines.forEach((line, i) => say(`${i === 0 ? 'agent> ' : '       '}${line}`));
  });

  say(`rbmkit chat: you are ${options.phone}, talking to ${options.agentId}`);
  say(`  your messages go to ${options.webhook}, signed as Google signs them`);
  say(`  the agent's replies come to the fake RBM API at ${api.url}`);
  say('  type a message, or /help');

  const base = () => ({ agentId: options.agentId, senderPhoneNumber: options.phone, sendTime: new Date().toISOString() });
  const userEvent = (eventType: string, messageId?: string) => ({ ...base(), eventType, eventId: randomUUID(), ...(messageId === undefined ? {} : { messageId }) });

  async function send(data: object): Promise<void> {
    try {
      const answer = await post(options.webhook, signedPush(data, { token: options.token }));
      if (answer.status !== 200) {
        const body = answer.body as { error?: string; message?: string };
        const hint = answer.status === 401 ? ' (is the token the agent\'s clientToken? set RBM_CLIENT_TOKEN or --token)' : '';
        say(`  ! the agent answered ${answer.status} ${body.error ?? ''}: ${body.message ?? String(answer.body)}${hint}`);
      }
    } catch (error) {
      say(`  ! cannot reach ${options.webhook}: is the agent running? (npm run echo) [${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}]`);
    }
  }

  /** The push for one line of input, or a reason it is none. */
  function toPush(line: string): object | string | undefined {
    const [command, ...args] = line.split(/\s+/);
    if (/^\d+$/.test(line) && chips.length > 0) {
      const chip = chips[Number(line) - 1];
      if (chip === undefined) return `  ! no chip ${line}; expected 1 to ${chips.length}`;
      return { ...base(), messageId: randomUUID(), suggestionResponse: { postbackData: chip.postbackData, text: chip.text, type: chip.type } };
    }
    switch (command) {
      case '/help':
        return HELP;
      case '/location': {
        const [lat, lng] = args.map(Number);
        if (lat === undefined || lng === undefined || Number.isNaN(lat) || Number.isNaN(lng)) return '  ! expected /location <latitude> <longitude>';
        return { ...base(), messageId: randomUUID(), location: { latitude: lat, longitude: lng } };
      }
      case '/file': {
        const [url, mime] = args;
        if (url === undefined) return '  ! expected /file <url> [mime type]';
        const fileName = url.split('/').pop() || 'file';
        return { ...base(), messageId: randomUUID(), userFile: { payload: { mimeType: mime ?? 'application/octet-stream', fileSizeBytes: 0, fileUri: url, fileName } } };
      }
      case '/tap':
        if (args[0] === undefined) return '  ! expected /tap <postbackData>';
        return { ...base(), messageId: randomUUID(), suggestionResponse: { postbackData: args[0], text: args[0], type: 'REPLY' } };
      case '/delivered':
      case '/read':
        if (lastAgentMessage === undefined) return '  ! the agent has sent nothing yet';
        return userEvent(command === '/read' ? 'READ' : 'DELIVERED', lastAgentMessage);
      case '/typing':
        return userEvent('IS_TYPING');
      case '/subscribe':
        return userEvent('SUBSCRIBE');
      case '/unsubscribe':
        return userEvent('UNSUBSCRIBE');
      default:
        if (line.startsWith('/')) return `  ! unknown command ${command}; type /help`;
        return { ...base(), messageId: randomUUID(), text: line };
    }
  }

  const lines = createInterface({ input: options.input, terminal: false });
  const echoInput = (options.input as { isTTY?: boolean }).isTTY !== true;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit') break;
    if (echoInput) say(`you> ${line}`);
    const push = toPush(line);
    if (typeof push === 'string') say(push);
    else if (push !== undefined) await send(push);
  }
  // Replies sent after the agent answered (background work) still get a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await api.close();
}
