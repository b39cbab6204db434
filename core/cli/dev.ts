import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import { resolve } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { createBot, HttpRbmClient, MemoryDedupeStore, MemorySessionStore, noAuth, type Bot, type ParsedBotConfig } from 'rbmkit';
import { loadConfigFile } from 'rbmkit/advanced';
import { firstPartyRegistry } from 'rbmkit/plugins';
import { devTokens } from '../dev/dev-tokens.js';
import { webChat } from '../dev/web-chat.js';
import { HttpError } from '../errors.js';
import { FakeRbmApi } from '../testing/fake-rbm-api.js';
import { jsonErrors } from '../webhook/json-errors.js';
import { freshImporter } from './fresh-import.js';
import { loadPluginModules } from './start.js';

export interface DevOptions {
  /** The JSON or YAML config file of the agents. */
  readonly config: string;
  /** 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  /** Where `{"env": NAME}` settings are read. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Reload the agents when the config file, a plugin module or a file it imports changes: the
   * chat page keeps its conversations, the stores keep sessions and dedupe, and a change that
   * does not load (a syntax error) is shown in the terminal and on the page while the last
   * good version keeps serving. Default false.
   */
  readonly watch?: boolean;
}

/** How a reload went: the agents serving now, or what kept the new version from loading. */
export type ReloadResult = { readonly ok: true; readonly generation: number } | { readonly ok: false; readonly generation: number; readonly error: string };

/** A running dev server. */
export interface DevServer {
  /** e.g. `http://127.0.0.1:8080`: the chat page is at `${url}/`. */
  readonly url: string;
  /** Loads the config and its plugin modules again and, if they load, serves them (what --watch does on a change). */
  reload(): Promise<ReloadResult>;
  /** Calls `listener` after each reload, whoever started it; returns a function that stops it. */
  onReload(listener: (result: ReloadResult) => void): () => void;
  /** Stops watching, the bot (letting its handlers finish), the chat page's streams and the server. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The agents of one load of the config file. */
interface Loaded {
  readonly bot: Bot;
  readonly serve: Middleware;
  readonly config: ParsedBotConfig;
  readonly missing: readonly string[];
}

/**
 * `rbmkit dev`: one process, one port on loopback, for the whole dev loop: the agents of a
 * config file (served through the bot's Koa middleware), the fake RBM API their replies go to,
 * and a web chat page that shows what the user's phone would and says what went wrong. A
 * clientToken read from an unset variable becomes the local development token, and plugin
 * failures are answered with their details. With `watch`, an edit reloads the agents.
 *
 * @example
 * const dev = await runDev({ config: 'rbmkit.yaml', port: 8080, host: '127.0.0.1', watch: true });
 * // chat page: http://127.0.0.1:8080/
 * await dev.close();
 */
export async function runDev(options: DevOptions): Promise<DevServer> {
  const env = options.env ?? process.env;
  const fresh = options.watch === true ? await freshImporter(resolve(options.config)) : undefined;
  // Sessions (a flow's step) and dedupe outlive a reload, as they outlive a deploy with Redis.
  const stores = { dedupe: new MemoryDedupeStore(), sessions: new MemorySessionStore() };

  // The server listens first: the bot's client and the fake API need its URL.
  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createServer({ requireHostHeader: false }, (req, res) => handler(req, res));
  const port = await listen(server, options.port, options.host);
  const url = `http://${urlHost(server)}:${port}`;

  const load = async (): Promise<Loaded> => {
    const registry = firstPartyRegistry();
    const file = loadConfigFile(options.config, registry, env);
    await loadPluginModules(file, registry, options.config, fresh?.importModule);
    const { config, missing } = devTokens(file.bot, env);
    // In dev, a failed plugin's name and error reach the page (exposeErrors); LOG_LEVEL is read from `env`.
    const logger = config.logger ?? (env.LOG_LEVEL ? { level: env.LOG_LEVEL } : undefined);
    const bot = createBot({
      ...stores,
      ...config,
      ...(logger === undefined ? {} : { logger }),
      client: new HttpRbmClient({ baseUrl: url, auth: noAuth(), maxAttempts: 2 }),
      exposeErrors: true,
    });
    return { bot, serve: bot.middleware(), config, missing };
  };

  let current: Loaded;
  let chat: ReturnType<typeof webChat>;
  try {
    current = await load();
    const api = FakeRbmApi.mount(url);
    chat = webChat({ api, baseUrl: url, config: current.config });
    const app = new Koa();
    app.silent = true;
    app.use(jsonErrors(current.bot.log));
    app.use(rbmApi(api));
    app.use(chat.middleware());
    app.use((ctx, next) => current.serve(ctx, next));
    app.use(() => {
      throw new HttpError(404, 'not_found', `nothing here; expected the chat page at /, or POST to a webhook: ${current.bot.webhooks().join(', ')}`);
    });
    handler = app.callback();
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  const log = () => current.bot.log;
  console.log(`chat page: ${url}/`);
  log().info(`rbmkit dev: webhooks ${current.bot.webhooks().map((path) => url + path).join(', ')}; the fake RBM API at ${url}/v1`);
  if (current.missing.length > 0) log().warn(`${current.missing.join(', ')} not set: the webhooks accept the local development token`);
  if (!LOOPBACK.has(options.host)) log().warn(`listening on ${options.host}, not loopback: anyone who reaches this port can chat with your agents`);

  const listeners = new Set<(result: ReloadResult) => void>();
  let closing: Promise<void> | undefined;
  let generation = 1;
  const reloadNow = async (): Promise<ReloadResult> => {
    generation += 1;
    let next: Loaded;
    try {
      next = await load();
    } catch (error) {
      const result: ReloadResult = { ok: false, generation, error: (error as Error).message };
      log().error(`rbmkit dev: the change did not load; the last good version keeps serving.\n${result.error}`);
      chat.announceReload(result);
      return result;
    }
    const previous = current;
    current = next;
    chat.update(next.config);
    const result: ReloadResult = { ok: true, generation };
    log().info(`rbmkit dev: reloaded (version ${generation}): webhooks ${next.bot.webhooks().join(', ')}`);
    chat.announceReload(result);
    // Events in flight on the previous version finish there; close() waits for its teardowns.
    const retiring = previous.bot.close().catch((error: unknown) => log().error({ err: error }, 'closing the previous version failed'));
    retired.add(retiring);
    void retiring.then(() => retired.delete(retiring));
    return result;
  };
  const retired = new Set<Promise<void>>();
  // One reload at a time; changes meanwhile make one more, after it.
  let running: Promise<ReloadResult> | undefined;
  let again = false;
  const reload = (): Promise<ReloadResult> => {
    if (closing !== undefined) return Promise.resolve({ ok: false, generation, error: 'the dev server is closing' });
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let result: ReloadResult;
        do {
          again = false;
          result = await reloadNow();
          // Files the new version imports for the first time are watched from now on.
          if (fresh !== undefined) watching?.add(fresh.loadedFiles());
          for (const listener of listeners) {
            try {
              listener(result);
            } catch (error) {
              log().error({ err: error }, 'an onReload listener failed');
            }
          }
        } while (again && closing === undefined);
        return result;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const watching =
    fresh === undefined
      ? undefined
      : await watchFiles([resolve(options.config), ...fresh.loadedFiles()], () => {
          reload().catch((error: unknown) => log().error({ err: error }, 'rbmkit dev: reloading failed'));
        });
  if (watching !== undefined) log().info('rbmkit dev: watching the config file and the plugin modules; an edit reloads the agents');

  return {
    url,
    reload,
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () =>
      (closing ??= (async () => {
        await watching?.close();
        await running;
        chat.close();
        await current.bot.close();
        await Promise.all(retired);
        await closeServer(server);
      })()),
  };
}

/** Time for an editor's save (write, rename) to settle before reloading. */
const SETTLE_MS = 75;

/** Watches `files` and calls `changed` once per burst of changes; `close()` stops both. Resolves once watching. */
async function watchFiles(files: string[], changed: () => void): Promise<Pick<FSWatcher, 'add'> & { close(): Promise<void> }> {
  const watcher = chokidar.watch(files, { ignoreInitial: true });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (event) => {
    if (event !== 'change' && event !== 'add' && event !== 'unlink') return;
    clearTimeout(timer);
    timer = setTimeout(changed, SETTLE_MS);
  });
  return {
    add: (paths) => watcher.add(paths),
    close: () => {
      clearTimeout(timer);
      return watcher.close();
    },
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
