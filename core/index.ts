/**
 * rbmkit: a framework for Google RCS Business Messaging agents.
 *
 * This file is the whole public surface of `rbmkit`; nothing else is imported by users.
 * Building blocks for writing your own transport or tooling (signature checks, event parsing,
 * the event-name table) live in `rbmkit/advanced`; test helpers in `rbmkit/testing`;
 * first-party plugins in `rbmkit/plugins`.
 */

// ── Commonly used: a bot, its plugins, its events ──────────────────────────────────────────
export { createBot, type Bot, type AgentControl, type Listening } from './bot.js';
export { stopOnSignals } from './ops/stop-on-signals.js';
export { definePlugin, type Agent, type AnyPlugin, type Handler, type Plugin, type PluginUse, type Teardown } from './plugin/define-plugin.js';
export type { HandlerContext, DeliveryInfo, ReplyInput } from './plugin/handler-context.js';
export type { Session } from './stores/session-store.js';
export type { EventName, NoticeName, SubscribableName, UmbrellaName } from './events/event-names.js';
export type {
  BmContext,
  BmFields,
  PushInfo,
  EventMap,
  EventOf,
  FailedNotice,
  MisroutedNotice,
  Notice,
  RbmEvent,
  RejectReason,
  RejectedNotice,
  ServerEvent,
  SettledNotice,
  UndeliverableNotice,
  UndeliverableReason,
  UnreachableNotice,
  UserEvent,
  UserFileInfo,
  UserMessage,
} from './events/event-types.js';

// ── Campaigns: one message to many users, resumable ──────────────────────────────────────
export type { Campaign } from './campaign/run-campaign.js';
export type { CampaignOptions, CampaignProgress, CampaignReport, CampaignState, FallbackRequest, Recipient, RecipientOutcome, RecipientReport } from './campaign/campaign-types.js';
export type { SendWindow } from './campaign/send-window.js';
export type { AgentOptOuts } from './campaign/opt-outs.js';
export { parseRecipientsCsv } from './campaign/recipients-csv.js';

// ── Errors a plugin throws or a caller catches ─────────────────────────────────────────────
export { ConfigError, PermanentError, isPermanent } from './errors.js';
export { HandlerTimeoutError, PluginError } from './dispatch/run-handlers.js';

// ── Messages: builders and RBM's limits ────────────────────────────────────────────────────
export { messages, suggestions, type CardInput } from './client/message-builders.js';
export { MessageLimitError, RBM_LIMITS } from './client/message-limits.js';
export type * from './client/agent-message.js';
export { maskPhone } from './client/phone.js';

// ── The RBM API: clients, credentials, typed errors ────────────────────────────────────────
export type { BatchCapabilities, CallRecord, RbmClient, SendEventRequest, SendMessageRequest, TesterInvite, UploadRequest } from './client/rbm-client.js';
export { HttpRbmClient, RBM_API_URL, type HttpRbmClientOptions } from './client/http-rbm-client.js';
export type { RateLimitedCall, RateLimits, RateLimitWait } from './client/call-rate-limiter.js';
export type { RateLimit } from './client/token-bucket.js';
export { MemoryRbmClient, type SentItem } from './client/memory-rbm-client.js';
export { BmClient, BM_API_URL, type BmClientOptions } from './client/bm-client.js';
export { bmClientFromEnv, type BmClientChoice } from './client/bm-client-from-env.js';
export type { BmRepresentative } from './client/bm-message.js';
export { clientFromEnv, type ClientChoice } from './client/client-from-env.js';
export { googleAuth, noAuth, staticToken, type AccessTokenProvider } from './client/rbm-auth.js';
export {
  AgentNotAllowedError,
  InvalidRequestError,
  RbmApiError,
  RbmAuthError,
  RbmNetworkError,
  RbmRateLimitError,
  RbmServerError,
  UnsupportedByDeviceError,
  UserNotReachableError,
} from './client/rbm-api-errors.js';

// ── Stores: dedupe and sessions, in memory or shared through Redis ─────────────────────────
export type { Claim, DedupeStore } from './stores/dedupe-store.js';
export type { SessionStore } from './stores/session-store.js';
export { MemoryDedupeStore, type MemoryDedupeStoreOptions } from './stores/memory-dedupe-store.js';
export { MemorySessionStore } from './stores/session-store.js';
export { RedisDedupeStore, type RedisDedupeStoreOptions } from './stores/redis-dedupe-store.js';
export { RedisSessionStore } from './stores/redis-session-store.js';
export type { RedisClient, RedisConnectionOptions } from './stores/redis-client.js';
export { StoreUnavailableError } from './stores/store-errors.js';

// ── Queue mode: ingress publishes, workers run the plugins ─────────────────────────────────
export type {
  Consumption,
  DeadLetter,
  DeadLetterQueue,
  EventDeadLetter,
  PushDeadLetter,
  Queue,
  QueueDelivery,
  QueueRecord,
  UndeliverablePush,
  UnreadableDeadLetter,
} from './queue/queue.js';
export type { MemoryDeadLetterLimits } from './queue/memory-dead-letters.js';
export { NatsQueue, type NatsQueueOptions } from './queue/nats-queue.js';
export type { RetryPolicy } from './queue/queue-worker.js';

// ── Config: in code or in a file (validating, loading and the plugin registry: rbmkit/advanced)
export type {
  AgentClientInput,
  AgentConfig,
  BotConfig,
  ClientSettings,
  BusinessMessagesConfig,
  ParsedBotConfig,
  PluginSpec,
  WebhookConfig,
  WebhookDialect,
} from './config/config-schema.js';
export type { FileConfig } from './config/config-file.js';
export type { TokenInput, TokenSource } from './config/tokens.js';

// ── Operations ─────────────────────────────────────────────────────────────────────────────
export type { BotStats } from './ops/stats.js';
export type { Logger } from './ops/logger.js';
