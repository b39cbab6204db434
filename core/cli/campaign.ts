import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { SingleBar } from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { clientFromEnv, MemorySessionStore, parseRecipientsCsv, RedisSessionStore, type AgentMessage, type CampaignProgress, type SendWindow, type SessionStore } from 'rbmkit';
import type { Recipient } from '../campaign/campaign-types.js';
import { publishCampaignItem } from '../campaign/campaign-worker.js';
import { OptOutList } from '../campaign/opt-outs.js';
import { queueFromUrl } from '../queue/queue-from-url.js';
import { Campaign, campaignKeys, type CampaignControl } from '../campaign/run-campaign.js';
import { createLogger } from '../ops/logger.js';
import { ConfigError } from '../errors.js';

export interface SendCampaignInput {
  readonly agentId: string;
  readonly recipientsFile: string;
  readonly messageFile: string;
  readonly id?: string;
  readonly window?: SendWindow;
  readonly concurrency?: number;
  readonly reportFile?: string;
  /** Queue mode: the broker the workers consume (nats://…); they send, this process follows. */
  readonly queueUrl?: string;
  readonly stream?: string;
  /** The bot's session key prefix in Redis, where its opt-outs are. Default `rbmkit:session:`. */
  readonly sessionPrefix?: string;
  /** Send without a shared store: no opt-outs known, no resume. */
  readonly withoutStore?: boolean;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** What `rbmkit campaign` runs on: the bot's Redis with REDIS_URL (opt-outs, resumable, controllable from anywhere), else memory. */
function storeFromEnv(env: NodeJS.ProcessEnv, prefix?: string): { store: SessionStore; shared: boolean } {
  const url = env.REDIS_URL?.trim() || undefined;
  if (url === undefined) return { store: new MemorySessionStore({ max: 5_000_000 }), shared: false };
  return { store: new RedisSessionStore({ url, ...(prefix === undefined ? {} : { prefix }) }), shared: true };
}

function readRecipients(file: string): Recipient[] {
  let csv: string;
  try {
    csv = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--recipients: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseRecipientsCsv(csv, file);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what}: expected JSON in ${file}; ${(error as Error).message}`);
  }
}

/**
 * `rbmkit campaign send`: runs a campaign from a CSV of numbers and a message file, shows its
 * progress (a bar on a terminal, JSON lines otherwise), stops cleanly on Ctrl-C, and writes the
 * report. Resolves with the exit code: 0 when every number is done and none failed, 1 when some
 * failed (a run with the same id tries them again), 3 when stopped.
 *
 * @example
 * await sendCampaign({ agentId: 'shop@rbm.goog', recipientsFile: 'numbers.csv', messageFile: 'sale.json' }, process.env);
 */
export async function sendCampaign(input: SendCampaignInput, env: NodeJS.ProcessEnv): Promise<number> {
  const recipients = readRecipients(input.recipientsFile);
  const message = readJson(input.messageFile, '--message') as AgentMessage;
  const id = input.id ?? basename(input.messageFile, extname(input.messageFile));
  if (input.id === undefined && !ID.test(id)) {
    throw new ConfigError(`--id: the campaign is named after the message file, and ${JSON.stringify(id)} is not a campaign id; expected --id with 1-100 letters, digits, ".", "_" or "-"`);
  }
  const { store, shared } = storeFromEnv(env, input.sessionPrefix);
  if (!shared && input.withoutStore !== true) {
    throw new ConfigError(
      'expected REDIS_URL, the Redis where the bot keeps its opt-outs (STOP) and where progress is kept to resume after a crash; without it, numbers that opted out would be messaged. Pass --without-store to send anyway (no opt-outs, no resume)',
    );
  }
  const { client, description } = clientFromEnv(env);
  const log = createLogger({ level: env.LOG_LEVEL || 'warn' });
  if (!shared) log.warn('--without-store: opt-outs are not known and progress is kept in memory only (a run after a crash starts over; Google drops the copies it already got: each number keeps its messageId)');
  log.info(description);
  await store.open?.();

  const options = { id, agentId: input.agentId, recipients, message, ...(input.window === undefined ? {} : { window: input.window }), ...(input.concurrency === undefined ? {} : { concurrency: input.concurrency }) };
  // Queue mode: the workers of the deployment send (they share its Redis), this process checks and follows.
  const queue = input.queueUrl === undefined ? undefined : queueFromUrl(input.queueUrl, input.stream === undefined ? {} : { stream: input.stream });
  if (queue !== undefined && !shared) throw new ConfigError('--queue: expected REDIS_URL too, the store the workers record each outcome in');
  await queue?.open();
  const publish = queue === undefined ? undefined : (recipient: Recipient, publishId: string) => publishCampaignItem(queue, input.agentId, id, recipient, publishId);
  let campaign: Campaign;
  try {
    campaign = new Campaign(options, { client, store, optOuts: new OptOutList(store).forAgent(input.agentId), log, ...(publish === undefined ? {} : { publish }) });
  } catch (error) {
    await queue?.close();
    await store.close?.();
    // The options came from flags: name them.
    if (error instanceof ConfigError) throw new ConfigError(error.message.replace('window.timeZone', '--time-zone').replace(/window\.(start|end)/, '--window'));
    throw error;
  }
  const show = process.stdout.isTTY ? progressBar(recipients.length) : jsonLines();
  campaign.on('progress', show.update);
  let interrupted = false;
  const stop = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('\nstopping after the sends in flight; run the same command again to go on');
    campaign.stop().catch((error: unknown) => log.error({ err: error }, 'could not record the stop in the store; stopping here only'));
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  try {
    const report = await campaign.done;
    show.end(report.progress);
    if (input.reportFile !== undefined) {
      // One line per number, and one per repeated line; numbers not done yet say so.
      const done = new Set(report.recipients.map((line) => line.phone));
      const rows = report.recipients.map((line) => [line.phone, line.outcome, line.messageId ?? '', line.reason ?? '', line.at]);
      for (const recipient of recipients) if (!done.has(recipient.phone)) (done.add(recipient.phone), rows.push([recipient.phone, 'pending', '', '', '']));
      writeFileSync(input.reportFile, stringify([['phone', 'outcome', 'messageId', 'reason', 'at'], ...rows]));
    }
    const { sent, fallback, unreachable, failed, skipped, remaining } = report.progress;
    console.error(`campaign ${id}: ${report.progress.state}: ${sent} sent, ${fallback} to the fallback, ${unreachable} unreachable, ${failed} failed, ${skipped} skipped, ${remaining} to go`);
    if (report.progress.state !== 'done') return 3;
    return failed > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await queue?.close();
    await store.close?.();
  }
}

/**
 * `rbmkit campaign preview`: shows the message on a running dev server's chat page, filled in
 * for the first recipient, checked against RBM's limits. Resolves with the exit code.
 *
 * @example
 * await previewCampaign({ messageFile: 'sale.json', recipientsFile: 'numbers.csv', devUrl: 'http://127.0.0.1:8080' });
 */
export async function previewCampaign(input: { messageFile: string; recipientsFile?: string; agentId?: string; devUrl: string }): Promise<number> {
  const message = readJson(input.messageFile, '--message');
  const first = input.recipientsFile === undefined ? undefined : readRecipients(input.recipientsFile)[0];
  let response: Response;
  try {
    response = await fetch(`${input.devUrl}/_dev/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, ...(input.agentId === undefined ? {} : { agentId: input.agentId }), ...(first === undefined ? {} : { phone: first.phone, vars: first.vars ?? {} }) }),
    });
  } catch (error) {
    throw new ConfigError(`preview: no rbmkit dev answers at ${input.devUrl} (${(error as Error).message}); expected \`rbmkit dev\` running (or --dev URL)`);
  }
  const answer = (await response.json().catch(() => ({}))) as { agentId?: string; phone?: string; message?: string };
  if (!response.ok) {
    console.error(`rbmkit campaign preview: ${answer.message ?? response.statusText}`);
    return 1;
  }
  console.log(`shown on ${input.devUrl}/ as ${answer.agentId} to ${answer.phone}: pick that agent and number on the page`);
  return 0;
}

/**
 * `rbmkit campaign pause|resume|stop --id`: tells a running campaign, wherever it runs, through
 * the shared store (REDIS_URL). Resolves with the exit code.
 *
 * @example
 * await controlCampaign('pause', 'spring-sale', process.env);
 */
export async function controlCampaign(action: 'pause' | 'resume' | 'stop', agentId: string, id: string, env: NodeJS.ProcessEnv, sessionPrefix?: string): Promise<number> {
  const { store, shared } = storeFromEnv(env, sessionPrefix);
  if (!shared) throw new ConfigError(`campaign ${action}: expected REDIS_URL, the store the running campaign reads (a campaign without it can only be stopped with Ctrl-C)`);
  try {
    await store.open?.();
    if ((await store.get(campaignKeys.spec(agentId, id))) === undefined) {
      console.error(`rbmkit campaign ${action}: no campaign "${id}" of ${agentId} in the store; expected the --agent and --id a campaign was sent with`);
      return 1;
    }
    const control: CampaignControl | undefined = action === 'resume' ? undefined : action;
    if (control === undefined) await store.delete(campaignKeys.control(agentId, id));
    else await store.set(campaignKeys.control(agentId, id), control, 30 * 24 * 3_600_000);
    console.log(`campaign ${id}: ${action} asked; the running campaign acts on it within a second`);
    return 0;
  } finally {
    await store.close?.();
  }
}

interface ProgressView {
  update(progress: CampaignProgress): void;
  end(progress: CampaignProgress): void;
}

/** On a terminal: one bar with the counts, the rate and the time left. */
function progressBar(total: number): ProgressView {
  const bar = new SingleBar({
    format: '{bar} {percentage}% | {done}/{total} | sent {sent} | unreachable {unreachable} | failed {failed} | skipped {skipped} | {rate}/s | {eta_text} | {state}',
    hideCursor: true,
    barsize: 24,
  });
  bar.start(total, 0, fields(undefined));
  return {
    update: (progress) => bar.update(progress.total - progress.remaining, fields(progress)),
    end(progress) {
      bar.update(progress.total - progress.remaining, fields(progress));
      bar.stop();
    },
  };
}

function fields(progress: CampaignProgress | undefined): Record<string, string | number> {
  const eta = progress?.etaSeconds;
  return {
    sent: progress?.sent ?? 0,
    unreachable: (progress?.unreachable ?? 0) + (progress?.fallback ?? 0),
    failed: progress?.failed ?? 0,
    skipped: progress?.skipped ?? 0,
    rate: (progress?.ratePerSecond ?? 0).toFixed(1),
    eta_text: eta === undefined ? 'ETA -' : `ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`,
    state: progress?.state === 'waiting' && progress.resumesAt !== undefined ? `waiting until ${progress.resumesAt}` : (progress?.state ?? 'starting'),
    done: progress === undefined ? 0 : progress.total - progress.remaining,
  };
}

/** Elsewhere (a log, a pipe): a JSON line per progress report that changed, or every 30 s while nothing does (a wait for the window). */
function jsonLines(): ProgressView {
  let last = '';
  let lastAt = 0;
  const line = (progress: CampaignProgress, always = false) => {
    const { ratePerSecond: _rate, etaSeconds: _eta, ...counts } = progress;
    const key = JSON.stringify(counts);
    if (!always && key === last && Date.now() - lastAt < 30_000) return;
    last = key;
    lastAt = Date.now();
    process.stdout.write(`${JSON.stringify(progress)}\n`);
  };
  return { update: (progress) => line(progress), end: (progress) => line(progress, true) };
}
