import type { ResolvedWebhook } from '../config/resolve-webhooks.js';
import { ConfigError } from '../errors.js';
import { toWebhook, type Webhook } from './ingress.js';

const ownerOf = (hook: { readonly agentId?: string }) => (hook.agentId === undefined ? 'the partner webhook' : `agent ${hook.agentId}`);

/**
 * The webhooks a bot serves, by path: the partner's and each agent's own. The one place that
 * refuses two webhooks on one path, at start-up and when agents change at run time.
 *
 * @example
 * const table = new WebhookTable(resolveWebhooks(config));
 * table.setAgent('shop@rbm.goog', resolveAgentWebhook('shop@rbm.goog', { path: '/shop', clientToken: 'T' }));
 */
export class WebhookTable {
  private readonly hooks = new Map<string, Webhook>();

  constructor(resolved: readonly ResolvedWebhook[]) {
    for (const hook of resolved) this.add(hook);
  }

  /** The paths served, partner first. */
  paths(): string[] {
    return [...this.hooks.keys()];
  }

  /** The webhooks served. */
  values(): IterableIterator<Webhook> {
    return this.hooks.values();
  }

  /**
   * Gives an agent its own webhook (replacing any it had), or none with `undefined`. Throws a
   * ConfigError when another owner serves the path. Returns whether the table changed.
   *
   * @example
   * if (table.setAgent('shop@rbm.goog', undefined)) rebuildRoutes();
   */
  setAgent(agentId: string, resolved: ResolvedWebhook | undefined): boolean {
    if (resolved !== undefined) this.assertFree(resolved);
    let changed = false;
    for (const [path, hook] of this.hooks) {
      if (hook.agentId === agentId) {
        this.hooks.delete(path);
        changed = true;
      }
    }
    if (resolved !== undefined) {
      this.hooks.set(resolved.path, toWebhook(resolved));
      changed = true;
    }
    return changed;
  }

  private add(resolved: ResolvedWebhook): void {
    this.assertFree(resolved);
    this.hooks.set(resolved.path, toWebhook(resolved));
  }

  /**
   * Throws a ConfigError when another owner serves the webhook's path.
   *
   * @example
   * table.assertFree(resolveAgentWebhook('shop@rbm.goog', { path: '/webhook', clientToken: 'T' })); // throws
   */
  assertFree(resolved: ResolvedWebhook): void {
    const taken = this.hooks.get(resolved.path);
    if (taken === undefined || (taken.agentId !== undefined && taken.agentId === resolved.agentId)) return;
    const field = resolved.agentId === undefined ? 'partner.path' : `agents.${resolved.agentId}.webhook.path`;
    throw new ConfigError(`${field}: webhook path "${resolved.path}" is used twice (${ownerOf(taken)} has it); expected one webhook per path`);
  }
}
