import type { KeyObject } from 'node:crypto';
import type { ResolvedWebhook } from '../config/resolve-webhooks.js';
import { signingKey } from './signature.js';

/** A webhook ready to serve: its tokens prepared as HMAC keys once. */
export interface Webhook extends ResolvedWebhook {
  readonly keys: readonly KeyObject[];
}

/**
 * Prepares a resolved webhook for serving.
 *
 * @example
 * const hook = toWebhook({ path: '/webhook', tokens: ['SJENCPGJESMGUFPY'] });
 */
export function toWebhook(resolved: ResolvedWebhook): Webhook {
  return { ...resolved, keys: resolved.tokens.map(signingKey) };
}

/** An agent's own webhook, as the partner webhook sees it. */
export interface AgentWebhook {
  readonly path: string;
  /** Set by ingress once it warned of a misrouted push for this agent. */
  misroutedWarned: boolean;
}

