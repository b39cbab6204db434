import { createBot, type Bot } from '../bot.js';
import type { BotConfig } from '../config/config-schema.js';
import { HttpRbmClient } from '../client/http-rbm-client.js';
import { MemoryRbmClient } from '../client/memory-rbm-client.js';
import { noAuth } from '../client/rbm-auth.js';
import { FakeRbmApi } from './fake-rbm-api.js';
import { post, signedPush, type SignOptions } from './signed-push.js';

type Answer = { status: number; body: unknown; headers: Headers };

/** A bot listening on loopback, with helpers to push to it and to read what it sent. */
export interface TestBot {
  readonly bot: Bot;
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The in-memory RBM client (unused when `fakeApi` is on). */
  readonly client: MemoryRbmClient;
  /** The fake RBM API on loopback, when started with `{ fakeApi: true }`. */
  readonly api: FakeRbmApi | undefined;
  /**
   * Signs `data` with `token` (default: the partner's first literal token) and POSTs it to
   * `path` (default: the partner webhook).
   */
  push(data: object | string | Uint8Array, options?: Partial<SignOptions> & { path?: string }): Promise<Answer>;
  /** POSTs a raw body with headers. */
  postRaw(path: string, body: string, headers?: Record<string, string>): Promise<Answer>;
  /** Texts of the messages the agent sent, in order, from whichever client is in use. */
  texts(): string[];
  close(): Promise<void>;
}

/**
 * Starts a bot on 127.0.0.1 on a free port with a silent logger. Replies go to an in-memory
 * client, or with `{ fakeApi: true }` through the real HTTP client to a fake RBM API on
 * loopback.
 *
 * @example
 * const t = await startTestBot({ partner: { clientToken: 'T', plugins: [echo] } }, { fakeApi: true });
 * await t.push(payloads.text({ text: 'hi' }));
 * t.texts(); // ['hi']
 * await t.close();
 */
export async function startTestBot(config: BotConfig, options: { fakeApi?: boolean } = {}): Promise<TestBot> {
  const memory = config.client instanceof MemoryRbmClient ? config.client : new MemoryRbmClient();
  const api = options.fakeApi === true ? await FakeRbmApi.start() : undefined;
  const client = api !== undefined ? new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), backoff: { baseMs: 5, maxMs: 50 } }) : (config.client ?? memory);
  const bot = createBot({ logger: false, ...config, client });
  const { url } = await bot.listen(0, '127.0.0.1');
  const partnerToken = config.partner?.clientToken;
  const defaultToken =
    typeof partnerToken === 'string' ? partnerToken : Array.isArray(partnerToken) && typeof partnerToken[0] === 'string' ? partnerToken[0] : undefined;
  return {
    bot,
    url,
    client: memory,
    api,
    push(data, pushOptions = {}) {
      const token = pushOptions.token ?? defaultToken;
      if (token === undefined) throw new TypeError('push(): expected options.token (the partner has no literal token)');
      return post(url + (pushOptions.path ?? config.partner?.path ?? '/webhook'), signedPush(data, { ...pushOptions, token }));
    },
    postRaw(path, body, headers = { 'content-type': 'application/json' }) {
      return post(url + path, { body, headers });
    },
    texts: () => (api !== undefined ? api.texts() : memory.texts()),
    async close() {
      await bot.close();
      await api?.close();
    },
  };
}
