import { signedBmRequest } from '../testing/signed-bm-request.js';
import { post, signedPush } from '../testing/signed-push.js';

/** A plugin that failed on a push, as a bot with `exposeErrors` reports it. */
export interface PluginFailure {
  readonly plugin: string;
  readonly error: string;
}

/** How the agent's webhook answered one push, for a developer to see. */
export interface PushOutcome {
  /** The HTTP status; 0 when the webhook could not be reached. */
  readonly status: number;
  /** From sending the push to the whole answer. */
  readonly latencyMs: number;
  /** The error code of a refusal (`plugin_failed`, `bad_signature`…), or `unreachable`. */
  readonly error?: string;
  /** The answer's message; for `unreachable`, why the connection failed. */
  readonly message?: string;
  /** Plugins that failed, from the answer's `details` (or a 200 `failed_permanently` answer). */
  readonly plugins?: readonly PluginFailure[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Failed plugins named in an answer body: `details.plugins` as {plugin, error}, or a bare list of names. */
function pluginFailures(body: Record<string, unknown>): PluginFailure[] | undefined {
  const listed = isObject(body.details) ? body.details.plugins : body.plugins;
  if (!Array.isArray(listed)) return undefined;
  return listed.flatMap((item): PluginFailure[] => {
    if (typeof item === 'string') return [{ plugin: item, error: '' }];
    if (isObject(item) && typeof item.plugin === 'string') return [{ plugin: item.plugin, error: typeof item.error === 'string' ? item.error : '' }];
    return [];
  });
}

/**
 * Signs a decoded RBM document as Google does and POSTs it to a webhook; resolves with the
 * answer's status, latency, and what went wrong (never throws, never includes the token).
 *
 * @example
 * const outcome = await pushToWebhook('http://127.0.0.1:8080/webhook', token, payloads.text({ text: 'hi' }));
 * // { status: 200, latencyMs: 12 }
 */
export async function pushToWebhook(webhook: string, token: string, data: object): Promise<PushOutcome> {
  return postForOutcome(webhook, () => signedPush(data, { token }));
}

/**
 * Signs a Business Messages body over its exact bytes as Google did and POSTs it to a webhook;
 * resolves like {@link pushToWebhook} (never throws, never includes the token).
 *
 * @example
 * const outcome = await pushBmToWebhook('http://127.0.0.1:8080/bm', token, bmPayloads.text({ text: 'hi' }));
 */
export async function pushBmToWebhook(webhook: string, token: string, body: object): Promise<PushOutcome> {
  return postForOutcome(webhook, () => signedBmRequest(body, { token }));
}

async function postForOutcome(webhook: string, request: () => { body: string; headers: Record<string, string> }): Promise<PushOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const answer = await post(webhook, request());
    const latencyMs = elapsed();
    const body = isObject(answer.body) ? answer.body : {};
    const plugins = pluginFailures(body);
    const failedPermanently = body.status === 'failed_permanently';
    if (answer.status === 200 && !failedPermanently) return { status: 200, latencyMs };
    return {
      status: answer.status,
      latencyMs,
      error: typeof body.error === 'string' ? body.error : failedPermanently ? 'failed_permanently' : `http_${answer.status}`,
      message:
        typeof body.message === 'string'
          ? body.message
          : failedPermanently
            ? 'a plugin failed with a PermanentError; Google is answered 200 and does not redeliver'
            : typeof answer.body === 'string'
              ? answer.body.slice(0, 500)
              : '',
      ...(plugins === undefined ? {} : { plugins }),
    };
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    return { status: 0, latencyMs: elapsed(), error: 'unreachable', message: cause };
  }
}
