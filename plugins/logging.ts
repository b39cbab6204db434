import { definePlugin, maskPhone, type Logger } from 'rbmkit';
import { z } from 'zod';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

const given = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value) ?? typeof value);
const isLogger = (value: unknown): value is Logger =>
  typeof value === 'object' && value !== null && typeof (value as Logger).child === 'function' && typeof (value as Logger).isLevelEnabled === 'function';

/** The options of `logging`, checked when the bot is created. */
const loggingOptions = z.strictObject(
  {
    /** Level of the line logged per event, and per misrouted push handled anyway. Failures log at `error` (`warn` when permanent); rejections, refused misrouted pushes and undeliverable pushes at `warn`. Default `info`. */
    level: z.enum(LEVELS, { error: (issue) => `expected one of ${LEVELS.join(', ')}, got ${given(issue.input)}` }).default('info'),
    /** A pino logger of your own. Default: the bot's. */
    logger: z.custom<Logger>(isLogger, { error: 'expected a pino logger (with child and isLevelEnabled)' }).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown option ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; expected only: level, logger`
        : `expected an object of options (level, logger), got ${given(issue.input)}`,
  },
);

/** The options of `logging`, as given to `logging.with()`. */
export type LoggingOptions = z.input<typeof loggingOptions>;

/**
 * One structured pino line per event (agent, kind, ids, masked phone, attempt, latency,
 * outcome), one per failure (plugins and causes; the error's stacks too at `debug`), one per
 * rejected request, one per misrouted push and one per undeliverable push (kept as a dead letter). Never prints a clientToken, a signature or a full phone number. In
 * pretty mode each of these reads as one line.
 *
 * @example
 * createBot({ partner: { clientToken, plugins: [logging.with({ level: 'debug' })] } });
 */
export const logging = definePlugin({
  name: 'logging',
  options: loggingOptions,
  setup(agent, options) {
    const level = options.level;
    const log = options.logger === undefined ? agent.log : options.logger.child({ agentId: agent.id });

    agent.on('settled', (n) => {
      // The line is built only when it will be written.
      if (!log.isLevelEnabled(level)) return;
      const e = n.event;
      log[level](
        {
          kind: e.type,
          eventId: e.id,
          pushId: e.push.pushId,
          phone: maskPhone(e.phone),
          attempt: n.attempt,
          latencyMs: n.latencyMs,
          outcome: n.outcome,
          ...(n.failed.length > 0 ? { failed: n.failed } : {}),
        },
        `${e.type} ${n.outcome}`,
      );
    });

    // The one line per failure: the core logs a failure itself only when no plugin hears `failed`.
    agent.on('failed', (n) => {
      const causes = n.error.errors.map((error: unknown) => (error instanceof Error ? error.message : String(error)));
      // The stacks only when debugging: they are long, and the causes say what failed.
      const stacks = log.isLevelEnabled('debug') ? { err: n.error } : {};
      log[n.permanent ? 'warn' : 'error'](
        { kind: n.event.type, eventId: n.event.id, phone: maskPhone(n.event.phone), plugins: n.plugins, permanent: n.permanent, causes, ...stacks },
        n.error.message,
      );
    });

    agent.on('rejected', (n) => {
      log.warn({ webhook: n.webhook, reason: n.reason, status: n.status, claimedAgentId: n.claimedAgentId }, `request rejected: ${n.reason}`);
    });

    // One line per misrouted push, at `level` when it was handled (the core already warned once
    // for the agent, and the event's own line follows), at `warn` when refused (strictWebhooks).
    agent.on('misrouted', (n) => {
      const at = n.status === 200 ? level : 'warn';
      if (!log.isLevelEnabled(at)) return;
      log[at](
        { notice: 'misrouted', kind: n.event.type, eventId: n.event.id, pushId: n.event.push.pushId, webhook: n.webhook, expectedWebhook: n.expectedWebhook, status: n.status },
        `push for ${n.agentId} came to ${n.webhook}; expected at ${n.expectedWebhook} (answered ${n.status})`,
      );
    });

    agent.on('undeliverable', (n) => {
      log.warn(
        { notice: 'undeliverable', reason: n.reason, webhook: n.webhook, pushId: n.pushId, claimedAgentId: n.claimedAgentId, deadLetterId: n.deadLetterId },
        `undeliverable push: ${n.message}`,
      );
    });
  },
});
