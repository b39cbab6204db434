import { ConfigError, definePlugin, type EventOf } from 'rbmkit';

/** The user messages echo can answer. */
export const ECHO_KINDS = ['text', 'suggestion', 'location', 'file'] as const;
export type EchoKind = (typeof ECHO_KINDS)[number];

export interface EchoOptions {
  /** Put before every answer. Default: none. */
  readonly prefix?: string;
  /** Which user messages to answer. Default: all four. */
  readonly kinds?: readonly EchoKind[];
  /** Mark each message read before answering. Default: true. */
  readonly markRead?: boolean;
}

const MAX_TEXT = 3072;

/** What echo says back to each kind of message. */
const describe = {
  text: (e: EventOf<'text'>) => e.text,
  suggestion: (e: EventOf<'suggestion'>) => e.text ?? e.postbackData,
  location: (e: EventOf<'location'>) => `You are at ${e.latitude.toFixed(5)}, ${e.longitude.toFixed(5)}`,
  file: (e: EventOf<'file'>) => {
    const size = e.file.fileSizeBytes === undefined ? '' : `, ${e.file.fileSizeBytes} bytes`;
    return `You sent ${e.file.fileName ?? 'a file'} (${e.file.mimeType ?? 'unknown type'}${size})`;
  },
};

/**
 * Answers each user message with itself: a text with the same text, a chip tap with its text
 * (or postbackData), a location or a file with a short description. Marks the message read first.
 *
 * @example
 * createBot({ partner: { clientToken, plugins: [echo.with({ prefix: 'echo: ', kinds: ['text'] })] } });
 */
export const echo = definePlugin<EchoOptions>({
  name: 'echo',
  setup(agent, options) {
    const kinds = options.kinds ?? ECHO_KINDS;
    for (const kind of kinds) {
      if (!ECHO_KINDS.includes(kind)) {
        throw new ConfigError(`echo.kinds: unknown kind "${String(kind)}"; expected some of: ${ECHO_KINDS.join(', ')}`);
      }
    }
    const prefix = options.prefix ?? '';
    const markRead = options.markRead ?? true;
    const answering = new Set<string>(kinds);

    agent.on('message', async (event, ctx) => {
      if (!answering.has(event.type)) return;
      if (markRead && event.messageId !== undefined) await ctx.markRead();
      const said = (describe[event.type] as (e: typeof event) => string)(event);
      await ctx.reply((prefix + said).slice(0, MAX_TEXT));
    });
  },
});
