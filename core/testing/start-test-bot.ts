import { randomUUID } from 'node:crypto';
import { TestConversation } from './test-conversation.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createBot, type Bot } from '../bot.js';
import type { BotConfig } from '../config/config-schema.js';
import { HttpRbmClient } from '../client/http-rbm-client.js';
import { MemoryRbmClient } from '../client/memory-rbm-client.js';
import { noAuth, staticToken } from '../client/rbm-auth.js';
import { BmClient } from '../client/bm-client.js';
import { FakeBmApi } from './fake-bm-api.js';
import { FakeRbmApi } from './fake-rbm-api.js';
import { signedBmRequest } from './signed-bm-request.js';
import { post, signedPush, type SignOptions } from './signed-push.js';
import { PUSH_FAILURES_CHANNEL, type PushFailures } from '../webhook/push-failures.js';

import type { Answer, PushAnswer, PushFailure } from './push-answer.js';

export type { PushAnswer, PushFailure } from './push-answer.js';

export interface TestBotOptions {
  /** Send replies through the real HTTP client to a fake RBM API on loopback (`t.api`). Default false. */
  readonly fakeApi?: boolean;
  /**
   * `push()` rejects when a plugin failed on the push (a `PermanentError` too), with an Error
   * naming each failed plugin, its message, and each plugin's stack; `cause` is the first
   * plugin's error. Default false: the answer carries `failures`.
   */
  readonly throwOnFailure?: boolean;
  /**
   * Answer Business Messages users through a real `BmClient` to a fake BM API on loopback
   * (`t.bmApi`), given to `businessMessages` unless it has a client of its own. Default false.
   */
  readonly fakeBmApi?: boolean;
}

/** The header that ties a push to the failures ingress publishes for it. */
const PUSH_HEADER = 'x-rbmkit-test-push';

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
  push(data: object | string | Uint8Array, options?: Partial<SignOptions> & { path?: string }): Promise<PushAnswer>;
  /**
   * Every plugin failure of the pushes so far, in order, including those that finished after
   * their push was answered (503 `still_running`).
   */
  failures(): readonly PushFailure[];
  /** The fake Business Messages API on loopback, when started with `{ fakeBmApi: true }`. */
  readonly bmApi: FakeBmApi | undefined;
  /**
   * POSTs a Business Messages body, signed over its exact bytes with `token` (default: the
   * first literal token of `businessMessages`), to `path` (default: the BM webhook). A string
   * body is sent and signed byte for byte.
   */
  pushBm(body: object | string, options?: { token?: string; path?: string; signature?: string }): Promise<PushAnswer>;
  /** POSTs a raw body with headers. */
  postRaw(path: string, body: string, headers?: Record<string, string>): Promise<Answer>;
  /** Texts of the messages the agent sent, in order, from whichever client is in use. */
  texts(): string[];
  /**
   * One user's conversation with the bot, to drive turn by turn (say, tap a chip, send a
   * receipt) and read each answer. Default phone `+12223334444`, agent `test-agent@rbm.goog`
   * (the payload defaults). Needs the in-memory client or `fakeApi`.
   *
   * @example
   * const user = t.conversation('+15550001111');
   * const turn = await user.say('book'); // turn.text, turn.chips
   * await user.tap(turn.chips[0]!);
   */
  conversation(phone?: string, agentId?: string): TestConversation;
  close(): Promise<void>;
}

/**
 * Starts a bot on 127.0.0.1 on a free port with a silent logger. Replies go to an in-memory
 * client, or with `{ fakeApi: true }` through the real HTTP client to a fake RBM API on
 * loopback. The logs are off, but no failure is hidden: each push's answer carries what the
 * plugins that failed on it threw (`failures`), `t.failures()` lists them all, and with
 * `{ throwOnFailure: true }` a push on which a plugin failed rejects with the plugin's error.
 *
 * @example
 * const t = await startTestBot({ partner: { clientToken: 'T', plugins: [echo] } }, { fakeApi: true });
 * const answer = await t.push(payloads.text({ text: 'hi' }));
 * answer.failures; // [] (else [{ plugin: 'echo', error: <what it threw> }])
 * t.texts(); // ['hi']
 * await t.close();
 */
export async function startTestBot(config: BotConfig, options: TestBotOptions = {}): Promise<TestBot> {
  const memory = config.client instanceof MemoryRbmClient ? config.client : new MemoryRbmClient();
  const api = options.fakeApi === true ? await FakeRbmApi.start() : undefined;
  const client = api !== undefined ? new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), backoff: { baseMs: 5, maxMs: 50 } }) : (config.client ?? memory);
  const bmApi = options.fakeBmApi === true ? await FakeBmApi.start() : undefined;
  const bm = config.businessMessages;
  const bmClient = bmApi === undefined ? undefined : new BmClient({ baseUrl: bmApi.url, auth: staticToken('test-bm-token'), backoff: { baseMs: 5, maxMs: 50 } });
  const businessMessages = bm === undefined || bmClient === undefined || bm.client !== undefined ? bm : { ...bm, client: bmClient };
  let bot: Bot;
  try {
    bot = createBot({ logger: false, ...config, client, ...(businessMessages === undefined ? {} : { businessMessages }) });
  } catch (error) {
    await api?.close();
    await bmApi?.close();
    throw error;
  }
  const failures = new FailureLog();
  subscribe(PUSH_FAILURES_CHANNEL, failures.listener);
  let url: string;
  try {
    ({ url } = await bot.listen(0, '127.0.0.1'));
  } catch (error) {
    unsubscribe(PUSH_FAILURES_CHANNEL, failures.listener);
    throw error;
  }
  const firstLiteral = (token: unknown) => (typeof token === 'string' ? token : Array.isArray(token) && typeof token[0] === 'string' ? token[0] : undefined);
  const defaultToken = firstLiteral(config.partner?.clientToken);
  const defaultBmToken = firstLiteral(bm?.clientToken);
  const testBot: TestBot = {
    bot,
    url,
    client: memory,
    api,
    async push(data, pushOptions = {}) {
      const token = pushOptions.token ?? defaultToken;
      if (token === undefined) throw new TypeError('push(): expected options.token (the partner has no literal token)');
      const signed = signedPush(data, { ...pushOptions, token });
      const id = failures.expect();
      const answer = await post(url + (pushOptions.path ?? config.partner?.path ?? '/webhook'), { ...signed, headers: { ...signed.headers, [PUSH_HEADER]: id } });
      const pushed: PushAnswer = { ...answer, failures: failures.of(id) };
      if (options.throwOnFailure === true && pushed.failures.length > 0) throw pushFailedError(pushed);
      return pushed;
    },
    bmApi,
    async pushBm(body, pushOptions = {}) {
      const token = pushOptions.token ?? defaultBmToken;
      if (token === undefined) throw new TypeError('pushBm(): expected options.token (businessMessages has no literal token)');
      const signed = signedBmRequest(body, { token });
      if (pushOptions.signature !== undefined) signed.headers['x-goog-signature'] = pushOptions.signature;
      const id = failures.expect();
      const answer = await post(url + (pushOptions.path ?? bm?.path ?? '/bm'), { ...signed, headers: { ...signed.headers, [PUSH_HEADER]: id } });
      const pushed: PushAnswer = { ...answer, failures: failures.of(id) };
      if (options.throwOnFailure === true && pushed.failures.length > 0) throw pushFailedError(pushed);
      return pushed;
    },
    failures: () => failures.all(),
    postRaw(path, body, headers = { 'content-type': 'application/json' }) {
      return post(url + path, { body, headers });
    },
    texts: () => (api !== undefined ? api.texts() : memory.texts()),
    conversation(phone = '+12223334444', agentId = 'test-agent@rbm.goog') {
      if (api === undefined && client !== memory) throw new TypeError('conversation(): expected the in-memory client or { fakeApi: true }; this bot replies through its own client, which the test cannot read');
      const sentTo = (agent: string, user: string) =>
        api !== undefined
          ? api.messages.filter((m) => m.agentId === agent && m.phone === user).map((m) => m.message)
          : memory.sent.flatMap((item) => (item.kind === 'message' && item.agentId === agent && item.phone === user ? [item.message] : []));
      return new TestConversation({ push: (data) => testBot.push(data), sentTo }, phone, agentId);
    },
    async close() {
      try {
        await bot.close();
        await api?.close();
        await bmApi?.close();
      } finally {
        unsubscribe(PUSH_FAILURES_CHANNEL, failures.listener);
      }
    },
  };
  return testBot;
}

/** The failures ingress publishes for this test bot's pushes, told apart from other bots' by a header. */
class FailureLog {
  private readonly issued = new Set<string>();
  private readonly byPush = new Map<string, PushFailure[]>();
  private readonly everything: PushFailure[] = [];

  readonly listener = (message: unknown): void => {
    const { request, errors } = message as PushFailures;
    const id = request.headers[PUSH_HEADER];
    if (typeof id !== 'string' || !this.issued.has(id)) return;
    const list = this.byPush.get(id);
    for (const { plugin, cause } of errors) {
      const failure: PushFailure = { plugin, error: cause instanceof Error ? cause : new Error(`plugin "${plugin}" threw a non-Error: ${String(cause)}`, { cause }) };
      this.everything.push(failure);
      list?.push(failure);
    }
  };

  /** A new push's id; its failures are collected until {@link of} is asked. */
  expect(): string {
    const id = randomUUID();
    this.issued.add(id);
    this.byPush.set(id, []);
    return id;
  }

  /** The failures of a push that was answered; later ones go to {@link all} only. */
  of(id: string): readonly PushFailure[] {
    const list = this.byPush.get(id) ?? [];
    this.byPush.delete(id);
    return list;
  }

  all(): readonly PushFailure[] {
    return [...this.everything];
  }
}

/** The error `push()` rejects with under `throwOnFailure`: each plugin, its message and its stack. */
function pushFailedError(answer: PushAnswer): Error {
  const what = answer.failures.map(({ plugin, error }) => `plugin "${plugin}" failed: ${error.message}`).join('; ');
  const error = new Error(`push answered ${answer.status}: ${what}`, { cause: answer.failures[0]!.error });
  error.name = 'PushFailedError';
  const stacks = answer.failures.map(({ plugin, error: cause }) => `  in plugin "${plugin}": ${cause.stack ?? String(cause)}`);
  error.stack = `${error.name}: ${error.message}\n${stacks.join('\n')}`;
  return Object.assign(error, { answer });
}
