/** One pino log line, as JSON-parsed by pino-pretty. */
export type LogLine = Readonly<Record<string, unknown>>;

export interface PrettyFormatOptions {
  /** Print error stacks under the line (on at `debug` and `trace`). Default: off. */
  readonly stacks?: boolean;
  /** Dims the less important parts; pino-pretty passes colorette's `gray`. Default: none. */
  readonly dim?: (text: string) => string;
}

/**
 * Fields left out of a pretty line's `key=value` tail: those every line has, those its prefix
 * shows, and ids, which are for searching JSON logs rather than reading.
 */
const LEFT_OUT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'agentId', 'scope', 'plugin', 'event', 'eventId', 'pushId', 'err']);
const MAX_VALUE = 120;

interface SerializedError {
  readonly message?: unknown;
  readonly stack?: unknown;
  readonly aggregateErrors?: unknown;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const asError = (value: unknown): SerializedError | undefined =>
  typeof value === 'object' && value !== null ? (value as SerializedError) : undefined;

/**
 * The one-line text of a log line in pretty mode: the agent, then what happened. An event
 * (the `logging` plugin's `settled` line) reads `agent kind phone → outcome (latency)`, a
 * plugin failure `agent kind phone ✗ cause`, a rejected request `request to path rejected:
 * reason`, a misrouted push `agent kind came to path, expected at path → misrouted (answered
 * 200)`, an undeliverable push `partner push to path undeliverable: reason (answered 200, kept
 * as dead letter id)`, anything else `agent [plugin] event: message: error` followed by its other fields
 * as `key=value` (ids left out). Error stacks follow on the next lines only when `stacks` is on.
 *
 * @example
 * formatLogLine({ agentId: 'a@rbm.goog', kind: 'text', phone: '+155******21', outcome: 'handled', latencyMs: 8, attempt: 1, msg: 'text handled' });
 * // 'a@rbm.goog text +155******21 → handled (8 ms)'
 */
export function formatLogLine(line: LogLine, options: PrettyFormatOptions = {}): string {
  const dim = options.dim ?? ((s: string) => s);
  const err = asError(line.err);
  // The partner webhook's scope (PARTNER_SCOPE_ID, not imported: this file stays light for the
  // pretty transport) reads `partner`, whether the line came from the bot's logger or a plugin's own.
  const agent = line.scope === 'partner' || line.agentId === '*partner*' ? 'partner' : text(line.agentId);
  const head = agent !== undefined ? [agent] : [];
  let body: string;
  if (typeof line.outcome === 'string' && typeof line.kind === 'string') {
    body = eventText(line, dim);
  } else if (Array.isArray(line.causes) && Array.isArray(line.plugins)) {
    body = failureText(line, line.causes.map(String));
  } else if (Array.isArray(line.plugins) && err !== undefined && Array.isArray(err.aggregateErrors)) {
    // The core's own failure line, when no plugin hears `failed`.
    body = failureText({ ...line, kind: line.type }, err.aggregateErrors.map((e) => causeOf(asError(e))));
  } else if (line.notice === 'misrouted' && typeof line.webhook === 'string') {
    const kind = text(line.kind) ?? 'push';
    body = `${kind} came to ${line.webhook}, expected at ${String(line.expectedWebhook)} → misrouted${typeof line.status === 'number' ? ` (answered ${line.status})` : ''}`;
  } else if (line.notice === 'undeliverable' && typeof line.webhook === 'string') {
    const kept = text(line.deadLetterId) !== undefined ? `kept as dead letter ${String(line.deadLetterId)}` : 'not kept';
    const claimed = text(line.claimedAgentId) !== undefined ? ` for ${String(line.claimedAgentId)}` : '';
    body = `push to ${line.webhook}${claimed} undeliverable: ${String(line.reason)} (answered 200, ${kept})`;
  } else if (typeof line.reason === 'string' && typeof line.webhook === 'string') {
    body = `request to ${line.webhook} rejected: ${line.reason}${typeof line.status === 'number' ? ` (answered ${line.status})` : ''}`;
  } else {
    body = genericText(line, err, dim);
    const plugin = text(line.plugin);
    if (plugin !== undefined) head.push(`[${plugin}]`);
    // A handler's `ctx.log` names the event (or notice) it runs for.
    const event = text(line.event);
    if (event !== undefined) head.push(`${event}:`);
  }
  // One line, even when a message or a cause spans several.
  const first = [...head, body].join(' ').replace(/\s*\r?\n\s*/g, ' ');
  return options.stacks === true && err !== undefined ? first + stacksOf(err, dim) : first;
}

/** `text +155******21 → failed: boom (3 ms, attempt 2)` */
function eventText(line: LogLine, dim: (s: string) => string): string {
  const parts = [String(line.kind)];
  const phone = text(line.phone);
  if (phone !== undefined) parts.push(phone);
  const failed = Array.isArray(line.failed) && line.failed.length > 0 ? `: ${line.failed.join(', ')}` : '';
  parts.push(`→ ${String(line.outcome)}${failed}`);
  const timing = typeof line.latencyMs === 'number' ? [`${line.latencyMs} ms`] : [];
  if (typeof line.attempt === 'number' && line.attempt > 1) timing.push(`attempt ${line.attempt}`);
  if (timing.length > 0) parts.push(dim(`(${timing.join(', ')})`));
  return parts.join(' ');
}

/** `text +155******21 ✗ plugin "boom" failed: db down (a redelivery retries it)` */
function failureText(line: LogLine, causes: readonly string[]): string {
  const parts: string[] = [];
  const kind = text(line.kind);
  if (kind !== undefined) parts.push(kind);
  const phone = text(line.phone);
  if (phone !== undefined) parts.push(phone);
  const plugins = (line.plugins as unknown[]).map(String);
  parts.push(`✗ ${causes.length > 0 ? causes.join('; ') : `plugins failed: ${plugins.join(', ')}`}`);
  if (line.permanent === true) parts.push('(permanent: not retried)');
  else if (line.permanent === false) parts.push('(a redelivery retries it)');
  return parts.join(' ');
}

/** `message: error key=value …` */
function genericText(line: LogLine, err: SerializedError | undefined, dim: (s: string) => string): string {
  let out = typeof line.msg === 'string' ? line.msg : '';
  const errMessage = typeof line.err === 'string' ? line.err : err === undefined ? undefined : causeOf(err);
  if (errMessage !== undefined && errMessage !== '' && errMessage !== out) out = out === '' ? errMessage : `${out}: ${errMessage}`;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(line)) {
    if (LEFT_OUT.has(key) || value === undefined) continue;
    fields.push(`${key}=${valueText(value)}`);
  }
  return fields.length > 0 ? `${out} ${dim(fields.join(' '))}` : out;
}

function valueText(value: unknown): string {
  const shown = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value) ?? String(value);
  return shown.length > MAX_VALUE ? `${shown.slice(0, MAX_VALUE - 1)}…` : shown;
}

/**
 * An error's own message. pino's serializer appends the causes' messages to `message`; the
 * first line of the stack ("Type: message") has it as thrown.
 */
function causeOf(err: SerializedError | undefined): string {
  if (err === undefined) return '';
  const firstLine = typeof err.stack === 'string' ? err.stack.split('\n', 1)[0]! : '';
  const colon = firstLine.indexOf(': ');
  if (colon > 0 && /^[\w$.]+$/.test(firstLine.slice(0, colon))) return firstLine.slice(colon + 2);
  return typeof err.message === 'string' ? err.message : String(err.message ?? '');
}

function stacksOf(err: SerializedError, dim: (s: string) => string): string {
  // An aggregate's own stack only says where the errors were gathered: theirs say where they happened.
  const stacks = (Array.isArray(err.aggregateErrors) && err.aggregateErrors.length > 0 ? err.aggregateErrors.map(asError) : [err])
    .map((e) => (e !== undefined && typeof e.stack === 'string' ? e.stack : undefined))
    .filter((s): s is string => s !== undefined);
  return stacks.map((stack) => `\n${dim(stack.replace(/^/gm, '    '))}`).join('');
}
