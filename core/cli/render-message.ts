import { describeSuggestion } from '#describe-suggestion';
import type { AgentMessage, CardContent, Suggestion } from '../client/agent-message.js';

/** A chip shown in the chat, and what tapping it sends back. */
export interface Chip {
  readonly text: string;
  readonly postbackData: string;
  readonly type: 'REPLY' | 'ACTION';
}

/** The chip a suggestion offers, and its label in the chat: the text, and what an action does. */
function chipOf(s: Suggestion): { chip: Chip; label: string } {
  const described = describeSuggestion(s);
  const { text, postbackData, kind } = described.tap;
  const label = described.kind === 'reply' ? described.text : `${described.text} (${described.gist})`;
  return { chip: { text, postbackData, type: kind }, label };
}

function describeCard(card: CardContent): string {
  const parts = [card.title, card.description].filter((p): p is string => p !== undefined && p !== '');
  const media = card.media === undefined ? '' : ` [image ${card.media.contentInfo.fileUrl}]`;
  return `${parts.join(' - ') || '(untitled)'}${media}`;
}

/**
 * Turns an AgentMessage into the lines the chat prints, and the chips it offers, numbered
 * from 1 (card chips first, then the message's).
 *
 * @example
 * renderMessage({ contentMessage: { text: 'Hi', suggestions: [{ reply: { text: 'Yo', postbackData: 'yo' } }] } });
 * // { lines: ['Hi', '[1] Yo'], chips: [{ text: 'Yo', postbackData: 'yo', type: 'REPLY' }] }
 */
export function renderMessage(message: AgentMessage): { lines: string[]; chips: Chip[] } {
  const content = message.contentMessage;
  const lines: string[] = [];
  const all: Suggestion[] = [];
  if (content.text !== undefined) lines.push(content.text);
  const standalone = content.richCard?.standaloneCard?.cardContent;
  if (standalone !== undefined) {
    lines.push(`[card] ${describeCard(standalone)}`);
    all.push(...(standalone.suggestions ?? []));
  }
  const carousel = content.richCard?.carouselCard?.cardContents;
  if (carousel !== undefined) {
    lines.push(`[carousel of ${carousel.length}]`);
    carousel.forEach((card, i) => {
      lines.push(`  ${i + 1}. ${describeCard(card)}`);
      all.push(...(card.suggestions ?? []));
    });
  }
  if (content.contentInfo !== undefined) lines.push(`[file] ${content.contentInfo.fileUrl}`);
  if (content.uploadedRbmFile !== undefined) lines.push(`[file] ${content.uploadedRbmFile.fileName}`);
  all.push(...(content.suggestions ?? []));
  const described = all.map(chipOf);
  if (described.length > 0) lines.push(described.map((d, i) => `[${i + 1}] ${d.label}`).join('  '));
  return { lines, chips: described.map((d) => d.chip) };
}
