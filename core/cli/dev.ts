import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import { createBot, HttpRbmClient, loadConfigFile, noAuth, type Bot } from 'rbmkit';
import { firstPartyRegistry } from 'rbmkit/plugins';
import { devTokens } from '../dev/dev-tokens.js';
import { webChat } from '../dev/web-chat.js';
import { HttpError } from '../errors.js';
import { FakeRbmApi } from '../testing/fake-rbm-api.js';
import { jsonErrors } from '../webhook/json-errors.js';
import { loadPluginModules } from './start.js';

export interface DevOptions {
  /** The JSON or YAML config file of the agents. */
  readonly config: string;
  /** 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  /** Where `{"env": NAME}` settings are read. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A running dev server. */
export interface DevServer {
  /** e.g. `http://127.0.0.1:8080`: the chat page is at `${url}/`. */
  readonly url: string;
  /** Stops the bot (letting its handlers finish), the chat page's streams and the server. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * `rbmkit dev`: one process, one port on loopback, for the whole dev loop: the agents of a
 * config file (served through the bot's Koa middleware), the fake RBM API their replies go to,
 * and a web chat page that shows what the user's phone would and says what went wrong. A
 * clientToken read from an unset variable becomes the local development token, and plugin
 * failures are answered with their details.
 *
 * @example
 * const dev = await runDev({ config: 'rbmkit.yaml', port: 8080, host: '127.0.0.1' });
 * // chat page: http://127.0.0.1:8080/
 * await dev.close();
 */
export async function runDev(options: DevOptions): Promise<DevServer> {
  const env = options.env ?? process.env;
  const registry = firstPartyRegistry();
  const file = loadConfigFile(options.config, registry, env);
  await loadPluginModules(file, registry, options.config);
  const { config, missing } = devTokens(file.bot, env);

  // The server listens first: the bot's client and the fake API need its URL.
  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createServer({ requireHostHeader: false }, (req, res) => handler(req, res));
  const port = await listen(server, options.port, options.host);
  const url = `http://${urlHost(server)}:${port}`;

  let bot: Bot;
  let chat: ReturnType<typeof webChat>;
  try {
    const api = FakeRbmApi.mount(url);
    // In dev, a failed plugin's name and error reach the page (exposeErrors); LOG_LEVEL is read from `env`.
    const logger = config.logger ?? (env.LOG_LEVEL ? { level: env.LOG_LEVEL } : undefined);
    bot = createBot({
      ...config,
      ...(logger === undefined ? {} : { logger }),
      client: new HttpRbmClient({ baseUrl: url, auth: noAuth(), maxAttempts: 2 }),
      exposeErrors: true,
    });
    chat = webChat({ api, baseUrl: url, config });
    const app = new Koa();
    app.silent = true;
    app.use(jsonErrors(bot.log));
    app.use(rbmApi(api));
    app.use(chat.middleware());
    app.use(bot.middleware());
    app.use(() => {
      throw new HttpError(404, 'not_found', `nothing here; expected the chat page at /, or POST to a webhook: ${bot.webhooks().join(', ')}`);
    });
    handler = app.callback();
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  console.log(`chat page: ${url}/`);
  bot.log.info(`rbmkit dev: webhooks ${bot.webhooks().map((path) => url + path).join(', ')}; the fake RBM API at ${url}/v1`);
  if (missing.length > 0) bot.log.warn(`${missing.join(', ')} not set: the webhooks accept the local development token`);
  if (!LOOPBACK.has(options.host)) bot.log.warn(`listening on ${options.host}, not loopback: anyone who reaches this port can chat with your agents`);

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        chat.close();
        await bot.close();
        await closeServer(server);
      })()),
  };
}

/** Hands the RBM API's paths to the fake. */
function rbmApi(api: FakeRbmApi): Middleware {
  return async (ctx, next) => {
    if (!FakeRbmApi.serves(ctx.path)) return next();
    ctx.respond = false;
    try {
      await api.handle(ctx.req, ctx.res);
    } catch (error) {
      if (!ctx.res.headersSent) ctx.res.writeHead(500, { 'content-type': 'application/json' });
      ctx.res.end(JSON.stringify({ error: { code: 500, message: `the fake RBM API failed: ${(error as Error).message}`, status: 'INTERNAL' } }));
    }
  };
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is taken; set PORT=${port + 1} (or another free port) and run again, or stop what listens there`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new Error(`cannot listen on ${host}; expected an address of this machine such as 127.0.0.1 (set HOST)`);
    throw error;
  }
  return (server.address() as AddressInfo).port;
}

/** The host to reach the server at from this machine: an address it listens on, loopback for "any". */
function urlHost(server: Server): string {
  const { address, family } = server.address() as AddressInfo;
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return family === 'IPv6' ? `[${address}]` : address;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
