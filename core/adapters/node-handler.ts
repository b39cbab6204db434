import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bot } from '../bot.js';
import { answerJson } from '../webhook/http-server.js';
import { consumedBody } from './consumed-body.js';
import { injectRequest } from './inject.js';
import { mountPrefix, pathBelow } from '../webhook/mount-path.js';

/** Where a mounted handler sends a request that is not for a webhook (Express's and Connect's `next`). */
export type NextHandler = (error?: unknown) => void;

/** A node:http handler that also takes Express's or Connect's `next`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: NextHandler) => Promise<void>;

export interface NodeHandlerOptions {
  /** The path the webhooks are served below: `/rbm` serves the webhook `/webhook` at `/rbm/webhook`. Default none. */
  readonly prefix?: string;
  /**
   * Serve every request as this webhook of the bot, whatever its path: for a platform that
   * gives the handler one URL of its own (a Cloud Function). Default: the request's path.
   */
  readonly webhook?: string;
}

/**
 * The bot's webhooks as a node:http handler for a server that is not the bot's own: Express,
 * Connect, a Cloud Function, `http.createServer`. A request for a path that is no webhook of
 * the bot goes to `next` when there is one, else gets a 404 JSON. A body nothing read yet is
 * read by the bot (its limits, budget and errors); one the host's body parser read already is
 * taken from `req.rawBody` or `req.body` and answered exactly as the bot's own server would.
 *
 * @example
 * createServer(nodeHandler(bot)).listen(8080);
 */
export function nodeHandler(bot: Pick<Bot, 'callback' | 'webhooks' | 'log'>, options: NodeHandlerOptions = {}): NodeHandler {
  const prefix = mountPrefix(options.prefix, 'nodeHandler');
  const fixed = options.webhook;
  if (fixed !== undefined && !bot.webhooks().includes(fixed)) {
    throw new Error(`nodeHandler: webhook: expected one of the bot's webhook paths (${bot.webhooks().join(', ')}), got ${JSON.stringify(fixed)}`);
  }
  const listener = bot.callback();
  let warnedLost = false;
  return async (req, res, next) => {
    const url = req.url ?? '/';
    const path = fixed ?? pathBelow(url, prefix);
    if (path === undefined || !bot.webhooks().includes(path)) {
      if (next !== undefined) return next();
      return answerJson(res, 404, 'not_found', "no route here; expected POST to this server's webhook path");
    }
    // What the bot's routes see: the webhook's own path, and the query as it came.
    const query = url.indexOf('?');
    const served = path + (query === -1 ? '' : url.slice(query));
    const body = consumedBody(req);
    if (body === 'unread') {
      // The bot reads the stream itself; it sees the webhook's own path for the time of the request.
      req.url = served;
      try {
        await listener(req, res);
      } finally {
        req.url = url;
      }
      return;
    }
    if (body === 'lost') {
      if (!warnedLost) {
        warnedLost = true;
        bot.log.error(
          { path },
          'a webhook request reached rbmkit with its body read and not kept; expected rbmkit mounted before the body parser, or the parser keeping req.body or req.rawBody',
        );
      }
      return answerJson(res, 500, 'body_consumed', 'the body was read before rbmkit and not kept; expected a redelivery once the server is fixed');
    }
    const answer = await injectRequest(listener, { method: req.method ?? 'POST', url: served, headers: req.headers, body, remoteAddress: req.socket?.remoteAddress });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
}
