// What the page knows: the dev server's settings, every conversation of the transcript, and the
// one shown. The modules read and change it in place.

/**
 * @typedef {{ key: string, agentId: string, phone: string, items: Item[], users: Map<string, Item>,
 *   typingUntil: number, unread: number, lastActivity: number }} Conv
 * @typedef {{ kind: 'user' | 'agent', id: string, at: string, action?: any, outcome?: any, read?: boolean,
 *   message?: any, node?: HTMLElement }} Item
 */

/**
 * The page's state: `current` is the key of the conversation shown.
 *
 * @example
 * state.settings.agents; // ['cafe@rbm.goog']
 */
export const state = {
  runId: null,
  settings: { agents: [], phone: '+15555550100', webhooks: {}, partnerWebhook: undefined },
  /** @type {Map<string, Conv>} */
  conversations: new Map(),
  current: '',
  typingTimer: 0,
};

const keyOf = (agentId, phone) => `${agentId}\n${phone}`;

/**
 * The conversation of an agent and a phone number, made on first use.
 *
 * @example
 * conversation('cafe@rbm.goog', '+15555550100').items; // []
 */
export function conversation(agentId, phone) {
  const key = keyOf(agentId, phone);
  let conv = state.conversations.get(key);
  if (!conv) {
    conv = { key, agentId, phone, items: [], users: new Map(), typingUntil: 0, unread: 0, lastActivity: 0 };
    state.conversations.set(key, conv);
  }
  return conv;
}

/**
 * The conversation shown, if any.
 *
 * @example
 * currentConv()?.agentId; // 'cafe@rbm.goog'
 */
export const currentConv = () => state.conversations.get(state.current);
