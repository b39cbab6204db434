import type { ReplyInput, Suggestion } from 'rbmkit';

/**
 * A reply with `list` added to its suggestions (after any it has): a text becomes a content
 * message, a content message or a whole AgentMessage keeps everything else.
 *
 * @example
 * withSuggestions('Pick one', [suggestions.reply('Yes'), suggestions.reply('No')]);
 * // { text: 'Pick one', suggestions: [{ reply: { text: 'Yes', postbackData: 'Yes' } }, …] }
 */
export function withSuggestions(reply: ReplyInput, list: readonly Suggestion[]): ReplyInput {
  if (list.length === 0) return reply;
  if (typeof reply === 'string') return { text: reply, suggestions: [...list] };
  if ('contentMessage' in reply) {
    return { ...reply, contentMessage: { ...reply.contentMessage, suggestions: [...(reply.contentMessage.suggestions ?? []), ...list] } };
  }
  return { ...reply, suggestions: [...(reply.suggestions ?? []), ...list] };
}
