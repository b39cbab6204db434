/**
 * rbmkit: a framework for Google RCS Business Messaging agents.
 * This file is the whole public surface; nothing else is imported by users.
 */
export { createBot, type Bot, type AgentControl, type Listening } from './bot.js';
export { stopOnSignals } from './stop-on-signals.js';
export type { AgentConfig, BotConfig, PluginSpec, WebhookConfig } from './config.js';
export { validateConfig } from './config.js';
export { loadConfigFile, type FileConfig } from './config-file.js';
export { clientFromEnv, LOCAL_API_URL, LOCAL_DEV_TOKEN, type ClientChoice } from './client-from-env.js';
export type { TokenInput, TokenSource } from './tokens.js';

export { definePlugin, isPlugin, isPluginUse, type Agent, type AnyPlugin, type Handler, type Plugin, type PluginUse, type Teardown } from './plugin.js';
export { PluginRegistry } from './plugin-registry.js';
export type { HandlerContext, DeliveryInfo, ReplyInput } from './handler-context.js';
export { toAgentMessage } from './handler-context.js';

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
} from './event-names.js';
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
} from './events.js';
export { parseEvent } from './parse-event.js';

export { signData, verifySignature, signingKey } from './signature.js';
export { safeEqual } from './safe-equal.js';
export { E164_PATTERN, isE164, maskPhone } from './phone.js';

export { ConfigError, HttpError, PermanentError, isPermanent } from './errors.js';
export { HandlerTimeoutError, PluginError } from './run-handlers.js';

export type { BatchCapabilities, RbmClient, SendEventRequest, SendMessageRequest, UploadRequest } from './rbm-client.js';
export { HttpRbmClient, RBM_API_URL, type CallRecord, type HttpRbmClientOptions } from './http-rbm-client.js';
export { BotMetrics } from './metrics.js';
export { googleAuth, noAuth, staticToken, RBM_SCOPE, type AccessTokenProvider } from './rbm-auth.js';
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
} from './rbm-api-errors.js';
export { checkMessage, MessageLimitError, RBM_LIMITS } from './message-limits.js';
export { messages, suggestions, type CardInput } from './message-builders.js';
export { MemoryRbmClient, type SentItem } from './memory-rbm-client.js';
export type * from './agent-message.js';

export type { Claim, DedupeStore } from './dedupe-store.js';
export { MemoryDedupeStore, type MemoryDedupeStoreOptions } from './memory-dedupe-store.js';
export { RedisDedupeStore, type RedisDedupeStoreOptions } from './redis-dedupe-store.js';
export { MemorySessionStore, sessionFor, type Session, type SessionStore } from './session-store.js';
export { RedisSessionStore } from './redis-session-store.js';
export type { RedisConnectionOptions } from './redis-connection.js';
export { StoreUnavailableError } from './store-errors.js';
export type { BotStats } from './stats.js';
export { createLogger, type Logger } from './logger.js';
