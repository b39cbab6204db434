import type { ResolvedWebhook } from '../config/resolve-webhooks.js';
import { ConfigError } from '../errors.js';
import { toWebhook, type AgentWebhook, type Webhook } from './webhook.js';

export type { AgentWebhook } from './webhook.js';

const ownerOf = (hook: ResolvedWebhook) =>
  hook.agentId !== undefined ? `agent ${hook.agentId}` : hook.dialect === 'business-messages' ? 'the Business Messages webhook' : 'the partner webhook';

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
  /** Each agent's own webhook, by agentId: what the partner webhook checks a push against. */
  private readonly agentHooks = new Map<string, AgentWebhook>();

  constructor(resolved: readonly ResolvedWebhook[]) {
    for (const hook of resolved) this.add(hook);
  }

  /** The paths served, partner first. */
  paths(): string[] {
    return [...this.hooks.keys()];
  }

  /**
   * The agent's own webhook, when it has one: one map lookup. Its `misroutedWarned` flag is
   * ingress's "warned once" mark, so it is bounded by the agents with a webhook and starts
   * afresh when the agent's webhook changes.
   *
   * @example
   * table.agentWebhook('shop@rbm.goog')?.path; // '/shop'
   */
  agentWebhook(agentId: string): AgentWebhook | undefined {
    return this.agentHooks.get(agentId);
  }

  /**
   * The webhook served at a path, if any.
   *
   * @example
   * table.get('/bm')?.client; // the client a Business Messages webhook answers through
   */
  get(path: string): Webhook | undefined {
    return this.hooks.get(path);
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
    this.agentHooks.delete(agentId);
    if (resolved !== undefined) {
      this.add(resolved);
      changed = true;
    }
    return changed;
  }

  private add(resolved: ResolvedWebhook): void {
    this.assertFree(resolved);
    this.hooks.set(resolved.path, toWebhook(resolved));
    if (resolved.agentId !== undefined) this.agentHooks.set(resolved.agentId, { path: resolved.path, misroutedWarned: false });
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
    const field = resolved.field ?? (resolved.agentId === undefined ? 'partner.path' : `agents.${resolved.agentId}.webhook.path`);
    throw new ConfigError(`${field}: webhook path "${resolved.path}" is used twice (${ownerOf(taken)} has it); expected one webhook per path`);
  }
}
