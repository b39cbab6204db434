/**
 * rbmkit/advanced: the building blocks under `createBot`, for tooling and transports of your
 * own (an Express adapter, a relay, a replay script). A bot built with `createBot` never
 * needs them. These are stable, but more of them may change between minor versions than in
 * `rbmkit`.
 */

// ── Verifying pushes as Google signs them ──────────────────────────────────────────────────
export { signData, verifySignature, signingKey } from './webhook/signature.js';

// ── Turning decoded push data into typed events ────────────────────────────────────────────
export { parseEvent } from './events/parse-event.js';
export { parseBmEvent } from './events/parse-bm-event.js';
export { EVENT_GROUPS, NOTICE_NAMES, UMBRELLA_NAMES, isSubscribableName } from './events/event-names.js';

// ── Checking what the RBM API would refuse ─────────────────────────────────────────────────
export { checkMessage } from './client/message-limits.js';
export { E164_PATTERN, isE164 } from './client/phone.js';
export { BUSINESS_MESSAGES_SCOPE, RBM_SCOPE } from './client/rbm-auth.js';
export { toBmMessage, type BmMessageBody } from './client/bm-message.js';

// ── The bot's logger, for tools that want the same redaction ───────────────────────────────
export { createLogger, REDACTED_PATHS } from './ops/logger.js';

// ── Config files and plugins by name, as \`rbmkit start\` uses them ─────────────────────────
export { validateConfig } from './config/config-schema.js';
export { loadConfigFile } from './config/config-file.js';
export { PluginRegistry } from './plugin/plugin-registry.js';
export { isPlugin } from './plugin/define-plugin.js';
export { EVENT_NAMES } from './events/event-names.js';

// ── Local development: the token and fake API address the examples and \`rbmkit chat\` use ──
export { LOCAL_API_URL, LOCAL_DEV_TOKEN } from './client/client-from-env.js';

// ── Operations: the dead letters kept in memory, and what the queue throws ─────────────────
export { MemoryDeadLetters } from './queue/memory-dead-letters.js';
export { NotReplayableError, QueueUnavailableError } from './queue/queue.js';
