import type { Bot } from '../bot.js';
import { nodeHandler, type NodeHandler, type NodeHandlerOptions } from './node-handler.js';

/**
 * The bot's webhooks as Express (4 or 5) or Connect middleware. Other paths go to `next`.
 * Mount it before `express.json()`, or let the JSON parser run first: an RBM push still
 * verifies (only `message.data` is signed); a Business Messages webhook needs the exact bytes,
 * kept by `express.json({ verify: keepRawBody })`. Under `app.use('/rbm', …)` Express strips
 * the prefix itself; `prefix` is for a route that names the whole path.
 *
 * @example
 * const app = express();
 * app.post('/webhook', expressHandler(bot));
 * app.use(express.json()); // the app's own routes after it
 * await bot.ready();
 * app.listen(8080);
 */
export function expressHandler(bot: Pick<Bot, 'callback' | 'webhooks' | 'log'>, options: Pick<NodeHandlerOptions, 'prefix'> = {}): NodeHandler {
  return nodeHandler(bot, options);
}
