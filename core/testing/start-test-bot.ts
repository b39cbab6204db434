import { createBot, type Bot } from '../bot.js';
import type { BotConfig } from '../config.js';
import { MemoryRbmClient } from '../memory-rbm-client.js';
import { post, signedPush, type SignOptions } from './signed-push.js';

/** A bot listening on loopback, with helpers to push to it. */
export interface TestBot {
  readonly bot: Bot;
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The in-memory RBM client, unless the config gave another. */
  readonly client: MemoryRbmClient;
  /**
   * Signs `data` with `token` (default: the partner's first literal token) and POSTs it to
   * `path` (default: the partner webhook).
   */
  push(
    data: object | string | Uint8Array,
    options?: Partial<SignOptions> & { path?: string },
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  /** POSTs a raw body with headers. */
  postRaw(path: string, body: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * Starts a bot on 127.0.0.1 on a free port, with an in-memory client and a silent logger
 * unless the config says otherwise.
 *
 * @example
 * const t = await startTestBot({ partner: { clientToken: 'T', plugins: [echo] } });
 * await t.push(payloads.text({ text: 'hi' }));
 * t.client.texts(); // ['hi']
 * await t.close();
 */
export async function startTestBot(config: BotConfig): Promise<TestBot> {
  const client = config.client ?? new MemoryRbmClient();
  const bot = createBot({ logger: false, ...config, client });
  const { url } = await bot.listen(0, '127.0.0.1');
  const partnerToken = config.partner?.clientToken;
  const defaultToken = typeof partnerToken === 'string' ? partnerToken : Array.isArray(partnerToken) && typeof partnerToken[0] === 'string' ? partnerToken[0] : undefined;
  return {
    bot,
    url,
    client: client instanceof MemoryRbmClient ? client : new MemoryRbmClient(),
    push(data, options = {}) {
      const token = options.token ?? defaultToken;
      if (token === undefined) throw new TypeError('push(): expected options.token (the partner has no literal token)');
      const path = options.path ?? config.partner?.path ?? '/webhook';
      return post(url + path, signedPush(data, { ...options, token }));
    },
    postRaw(path, body, headers = { 'content-type': 'application/json' }) {
      return post(url + path, { body, headers });
    },
    close: () => bot.close(),
  };
}
