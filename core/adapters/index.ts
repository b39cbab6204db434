/**
 * rbmkit/adapters: a bot's webhooks served by a server that is not its own. Each keeps what the
 * bot's server promises: the handshake, the constant-time signature check, JSON errors, dedupe,
 * order per conversation, the body limit. In a Koa app of your own, use `bot.middleware()`.
 * On a platform that freezes the CPU after the answer, create the bot with
 * `processBeforeResponse: true` (docs/deploy.md).
 */
export { expressHandler } from './express.js';
export { fastifyPlugin, type FastifyInstanceLike } from './fastify.js';
export { fetchHandler, type FetchHandlerOptions } from './fetch-handler.js';
export { cloudFunction, type CloudFunctionOptions } from './cloud-function.js';
export { nodeHandler, type NextHandler, type NodeHandler, type NodeHandlerOptions } from './node-handler.js';
export { keepRawBody } from './consumed-body.js';
