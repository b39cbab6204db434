// Page -> server: a user action, as a JSON POST to /_dev/send; the dev server signs it as a push
// to the agent's webhook. What the webhook answered comes back through the transcript.

import { toast } from './toast.js';

/**
 * Sends a user action in a conversation; says so when it is refused, or when the server is gone
 * (unless `quiet`: the receipts the page sends by itself).
 *
 * @example
 * await send(conv, { type: 'text', text: 'hello' });
 */
export async function send(conv, action, quiet = false) {
  try {
    const response = await fetch('/_dev/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: conv.agentId, phone: conv.phone, action }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      toast(`Not sent: ${body.message ?? response.statusText}`);
    }
  } catch (error) {
    if (!quiet) toast(`Not sent: the dev server does not answer (${error.message}).`);
  }
}
