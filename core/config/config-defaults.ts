const MIB = 1024 * 1024;

/**
 * Every default of a bot's config, in one place: the code that applies a setting reads it from
 * here, docs/config.md quotes these values (a test checks it), and the schema's comments name them.
 *
 * @example
 * const ackDeadlineMs = config.ackDeadlineMs ?? CONFIG_DEFAULTS.ackDeadlineMs;
 */
export const CONFIG_DEFAULTS = {
  bodyLimit: MIB,
  bodyBudgetBytes: 64 * MIB,
  maxAgentRuntimes: 10_000,
  agentIdleMs: 600_000,
  handlerTimeoutMs: 10_000,
  ackDeadlineMs: 8_000,
  maxInFlight: 1_000,
  shutdownTimeoutMs: 25_000,
  'queueRetry.attempts': 5,
  'queueRetry.backoffMs': 1_000,
  'queueRetry.maxBackoffMs': 60_000,
  'server.headersTimeoutMs': 15_000,
  'server.requestTimeoutMs': 30_000,
  'server.keepAliveTimeoutMs': 65_000,
  'metrics.path': '/metrics',
  'health.live': '/healthz',
  'health.ready': '/readyz',
  'memoryDeadLetters.maxLetters': 1_000,
  'memoryDeadLetters.maxBytes': 16 * MIB,
} as const;
