import Koa from 'koa';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import { HttpError } from '../errors.js';
import { jsonErrors } from './json-errors.js';
import type { WebhookRoutes } from './routes.js';

/**
 * The node:http listener of a bot: its routes, a JSON answer for every error, and a 404 that
 * names no webhook (which paths are webhooks is the program's business: `bot.webhooks()`).
 *
 * @example
 * const server = createServer(webhookApp(routes, log));
 */
export function webhookApp(routes: WebhookRoutes, log: Logger): RequestListener {
  const app = new Koa();
  app.silent = true;
  const errors = jsonErrors(log);
  const served = routes.middleware();
  const notFound = () => {
    throw new HttpError(404, 'not_found', "no route here; expected POST to this server's webhook path");
  };
  // One layer rather than three composed ones (each costs a promise and a bound function per request).
  app.use((ctx) => errors(ctx, () => served(ctx, notFound)));
  return app.callback();
}
