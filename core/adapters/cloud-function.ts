import type { Bot } from '../bot.js';
import { nodeHandler, type NodeHandler } from './node-handler.js';

export interface CloudFunctionOptions {
  /**
   * Which webhook of the bot the function serves. Default: the bot's only webhook, whatever the
   * path of the request (a function has one URL of its own); with several webhooks, each request
   * is served by its path.
   */
  readonly webhook?: string;
}

/**
 * The bot as a Google Cloud Functions HTTP function (`@google-cloud/functions-framework`, the
 * same on Cloud Run functions). The framework parses JSON and keeps `req.rawBody`, so both RBM
 * and Business Messages signatures verify. Create the bot with `processBeforeResponse: true`:
 * the CPU is frozen once the answer is sent, so the answer waits until every plugin is done.
 * The framework reads each body (up to the platform's 32 MB) before rbmkit: the 1 MiB limit
 * is checked on the bytes it kept, and the body memory budget cannot apply.
 *
 * @example
 * import functions from '@google-cloud/functions-framework';
 * const bot = createBot({ partner: { clientToken: { env: 'RBM_CLIENT_TOKEN' }, plugins: [echo] }, processBeforeResponse: true, client });
 * functions.http('rbm', cloudFunction(bot));
 */
export function cloudFunction(bot: Pick<Bot, 'callback' | 'webhooks' | 'log'>, options: CloudFunctionOptions = {}): NodeHandler {
  const paths = bot.webhooks();
  const webhook = options.webhook ?? (paths.length === 1 ? paths[0] : undefined);
  return nodeHandler(bot, webhook === undefined ? {} : { webhook });
}
