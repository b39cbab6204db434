import { definePlugin, type EventOf } from 'rbmkit';
import { z } from 'zod';

/** The user messages echo can answer. */
export const ECHO_KINDS = ['text', 'suggestion', 'location', 'file'] as const;
export type EchoKind = (typeof ECHO_KINDS)[number];

const KINDS_ERROR = `expected a list of some of: ${ECHO_KINDS.join(', ')}`;
const given = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value) ?? typeof value);

/** Echo's options, checked when the bot is created. */
const echoOptions = z.strictObject(
  {
    /** Put before every answer. Default: none. */
    prefix: z.string({ error: (issue) => `expected a text to put before every answer, got ${given(issue.input)}` }).default(''),
    /** Which user messages to answer. Default: all four. */
    kinds: z
      .array(z.enum(ECHO_KINDS, { error: (issue) => `expected one of ${ECHO_KINDS.join(', ')}, got ${given(issue.input)}` }), {
        error: (issue) => `${KINDS_ERROR}, got ${given(issue.input)}`,
      })
      .readonly()
      .default(ECHO_KINDS),
    /** Mark each message read before answering. Default: true. */
    markRead: z.boolean({ error: (issue) => `expected true or false, got ${given(issue.input)}` }).default(true),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown option ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; expected only: prefix, kinds, markRead`
        : `expected an object of options (prefix, kinds, markRead), got ${given(issue.input)}`,
  },
);

/** Echo's options, as given to `echo.with()`. */
export type EchoOptions = z.input<typeof echoOptions>;

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
 * A fallback: it answers only messages no other plugin claimed (a keyword route, a flow in
 * progress), wherever it stands in the agent's list, and claims what it answers.
 *
 * @example
 * createBot({ partner: { clientToken, plugins: [echo.with({ prefix: 'echo: ', kinds: ['text'] })] } });
 */
export const echo = definePlugin({
  name: 'echo',
  options: echoOptions,
  setup(agent, { prefix, kinds, markRead }) {
    const answering = new Set<string>(kinds);

    agent.on(
      'message',
      async (event, ctx) => {
        if (!answering.has(event.type)) return;
        if (markRead && event.messageId !== undefined) await ctx.markRead();
        const said = (describe[event.type] as (e: typeof event) => string)(event);
        await ctx.reply((prefix + said).slice(0, MAX_TEXT));
        ctx.claim();
      },
      { stage: 'fallback' },
    );
  },
});
