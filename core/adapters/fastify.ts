import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bot } from '../bot.js';
import { nodeHandler } from './node-handler.js';

/** What rbmkit uses of a Fastify instance (declared by shape: rbmkit's types never import fastify's). */
export interface FastifyInstanceLike {
  readonly prefix: string;
  removeAllContentTypeParsers(): void;
  addContentTypeParser(contentType: string, parser: (request: unknown, payload: unknown, done: (error: Error | null, body?: unknown) => void) => void): void;
  all(path: string, handler: (request: { readonly raw: IncomingMessage }, reply: { readonly raw: ServerResponse; hijack(): void }) => Promise<void>): unknown;
}

/**
 * The bot's webhooks as a Fastify (4 or 5) plugin. Fastify's own body parsers are switched off
 * inside the plugin only, so the bot reads each webhook body itself, with its limits and JSON
 * errors; the app's other routes keep theirs. Registered with a `prefix`, every path below it
 * is the bot's (webhooks added later too); without one, the webhooks the bot has when it is
 * registered.
 *
 * @example
 * const app = Fastify();
 * await app.register(fastifyPlugin(bot), { prefix: '/rbm' }); // serves /rbm/webhook
 * await bot.ready();
 * await app.listen({ port: 8080 });
 */
export function fastifyPlugin(bot: Pick<Bot, 'callback' | 'webhooks' | 'log'>): (instance: FastifyInstanceLike, options: unknown) => Promise<void> {
  return async (instance) => {
    // A parser that reads nothing: the body stays in the stream for the bot to read.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handle = nodeHandler(bot, { prefix: instance.prefix });
    const serve = async (request: { readonly raw: IncomingMessage }, reply: { readonly raw: ServerResponse; hijack(): void }) => {
      reply.hijack();
      await handle(request.raw, reply.raw);
    };
    if (instance.prefix !== '') {
      instance.all('/', serve);
      instance.all('/*', serve);
    } else {
      for (const path of bot.webhooks()) instance.all(path, serve);
    }
  };
}
