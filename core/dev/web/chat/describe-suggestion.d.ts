// The types of describe-suggestion.js, which stays plain JavaScript for the browser to load.
import type { Suggestion } from '../../../client/agent-message.js';

/** What a suggestion chip says and does: see {@link describeSuggestion}. */
export interface SuggestionDescription {
  /** The chip's label. */
  readonly text: string;
  readonly kind: 'reply' | 'dial' | 'url' | 'shareLocation' | 'viewLocation' | 'calendar' | 'action';
  /** What the phone does on a tap, as a sentence ("opens the dialer with +15551234567"); empty for a reply. */
  readonly what: string;
  /** The same in a few words ("dial +15551234567"); empty for a reply. */
  readonly gist: string;
  /** The URL an openUrl action opens. */
  readonly url?: string;
  /** What a tap sends back to the agent. */
  readonly tap: { readonly postbackData: string; readonly text: string; readonly kind: 'REPLY' | 'ACTION' };
}

/**
 * Reads a suggestion chip: its label and kind, what a tap does and sends back.
 *
 * @example
 * describeSuggestion({ reply: { text: 'Yes', postbackData: 'Y' } }).tap; // { postbackData: 'Y', text: 'Yes', kind: 'REPLY' }
 */
export declare function describeSuggestion(suggestion: Suggestion): SuggestionDescription;
