/**
 * rbmkit: a framework for Google RCS Business Messaging agents.
 * This file is the whole public surface; nothing else is imported by users.
 */
export { createBot, type Bot, type AgentControl, type Listening } from './bot.js';
export { stopOnSignals } from './ops/stop-on-signals.js';
export type { AgentConfig, BotConfig, PluginSpec, WebhookConfig } from './config/config-schema.js';
export { validateConfig } from './config/config-schema.js';
export { loadConfigFile, type FileConfig } from './config/config-file.js';
export { clientFromEnv, LOCAL_API_URL, LOCAL_DEV_TOKEN, type ClientChoice } from './client/client-from-env.js';
export type { TokenInput, TokenSource } from './config/tokens.js';

export { definePlugin, isPlugin, isPluginUse, type Agent, type AnyPlugin, type Handler, type Plugin, type PluginUse, type Teardown } from './plugin/define-plugin.js';
export { PluginRegistry } from './plugin/plugin-registry.js';
export type { HandlerContext, DeliveryInfo, ReplyInput } from './plugin/handler-context.js';
export { toAgentMessage } from './plugin/handler-context.js';

export {
  EVENT_GROUPS,
  EVENT_NAMES,
  NOTICE_NAMES,
  UMBRELLA_NAMES,
  isSubscribableName,
  type EventName,
  type NoticeName,
  type SubscribableName,
  type UmbrellaName,
} from './events/event-names.js';
export type {
  Delivery,
  EventMap,
  EventOf,
  FailedNotice,
  RbmEvent,
  RejectReason,
  RejectedNotice,
  ServerEvent,
  SettledNotice,
  UserEvent,
  UserFileInfo,
  UserMessage,
} from './events/event-types.js';
export { parseEvent } from './events/parse-event.js';

export { signData, verifySignature, signingKey } from './webhook/signature.js';
export { safeEqual } from './webhook/safe-equal.js';
export { E164_PATTERN, isE164, maskPhone } from './client/phone.js';

export { ConfigError, HttpError, PermanentError, isPermanent } from './errors.js';
export { HandlerTimeoutError, PluginError } from './dispatch/run-handlers.js';

export type { BatchCapabilities, RbmClient, SendEventRequest, SendMessageRequest, UploadRequest } from './client/rbm-client.js';
export { HttpRbmClient, RBM_API_URL, type CallRecord, type HttpRbmClientOptions } from './client/http-rbm-client.js';
export { BotMetrics } from './ops/metrics.js';
export { googleAuth, noAuth, staticToken, RBM_SCOPE, type AccessTokenProvider } from './client/rbm-auth.js';
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
export { checkMessage, MessageLimitError, RBM_LIMITS } from './client/message-limits.js';
export { messages, suggestions, type CardInput } from './client/message-builders.js';
export { MemoryRbmClient, type SentItem } from './client/memory-rbm-client.js';
export type * from './client/agent-message.js';

export type { Claim, DedupeStore } from './stores/dedupe-store.js';
export { MemoryDedupeStore, type MemoryDedupeStoreOptions } from './stores/memory-dedupe-store.js';
export { RedisDedupeStore, type RedisDedupeStoreOptions } from './stores/redis-dedupe-store.js';
export { MemorySessionStore, sessionFor, type Session, type SessionStore } from './stores/session-store.js';
export { RedisSessionStore } from './stores/redis-session-store.js';
export type { RedisConnectionOptions } from './stores/redis-connection.js';
export { StoreUnavailableError } from './stores/store-errors.js';
export type { BotStats } from './ops/stats.js';
export { createLogger, type Logger } from './ops/logger.js';
