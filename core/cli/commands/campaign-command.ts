import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/** `rbmkit campaign`: sends one message to many users, resumably; pauses, resumes or stops a running one. */
export const campaignCommand: Command = {
  name: 'campaign',
  summary: 'send a message to a CSV of numbers, paced and resumable; pause, resume or stop it',
  synopsis: 'campaign send --agent ID --recipients numbers.csv --message message.json [options] | pause|resume|stop --agent ID --id ID | preview --message message.json [--recipients numbers.csv] [--agent ID] [--dev URL]',
  details: `Sends one message to many users of an agent: capability check first (users:batchGet in
chunks), then the message to every RBM-capable number, paced by the client's rate limits, with
429 and 5xx retried. Each number's outcome is kept in the bot's Redis ($REDIS_URL), where
the bot also keeps its opt-outs: numbers that opted out (STOP, through the keywords plugin)
are skipped, and a run of the same --id after a crash sends no message twice and skips none
(each number's messageId is derived from the agent, the campaign and the number, so Google
drops a resent copy). Campaign ids are the agent's own.

  send
    --agent ID           the agent to send as
    --recipients FILE    CSV with a header row: a phone column (phone, phone_number, msisdn,
                         number) and any others, which fill {{column}} in the message
    --message FILE       the AgentMessage as JSON ({"contentMessage": {...}, "messageTrafficType": ...})
    --id ID              names the campaign, to resume it (default: the message file's name)
    --session-prefix P   the bot's session key prefix in Redis (default rbmkit:session:)
    --without-store      send without REDIS_URL: opt-outs are not known, and nothing resumes
    --window HH:MM-HH:MM send only within these hours (e.g. 09:00-20:00), else wait
    --time-zone ZONE     the window's time zone (default UTC), e.g. Europe/Paris
    --concurrency N      sends in flight at once (default 8)
    --report FILE        write each number's outcome as CSV (phone,outcome,messageId,reason,at)
    --queue URL          queue mode (default $QUEUE_URL): the sends are work items on this
                         broker (nats://…) for the workers (bot.work()) to share; needs REDIS_URL
    --stream NAME        the stream the workers use (default RBMKIT)
  pause | resume | stop --agent ID --id ID
                         acts on a running campaign through $REDIS_URL, from any machine
  preview --message FILE [--recipients FILE] [--agent ID] [--dev URL]
                         shows the message on the chat page of a running \`rbmkit dev\` (default
                         http://127.0.0.1:$PORT, else 8080) as a phone would, filled in for the
                         first recipient of the CSV; checked against RBM's limits; sends nothing

Progress shows as a bar on a terminal and as JSON lines otherwise. Ctrl-C stops after the
sends in flight; run the same command to go on. Replies go where clientFromEnv() says.
A wait for the send window blocks until it opens. Exit code 0 when every number is done and
none failed, 1 when some failed (run the same command to try them again), 2 on a usage or
config error, 3 when stopped.`,
  async run(args) {
    const { values, positionals } = parseOptions(this, args, {
      allowPositionals: true,
      options: {
        agent: { type: 'string' },
        recipients: { type: 'string' },
        message: { type: 'string' },
        id: { type: 'string' },
        window: { type: 'string' },
        'time-zone': { type: 'string' },
        concurrency: { type: 'string' },
        report: { type: 'string' },
        dev: { type: 'string' },
        queue: { type: 'string' },
        stream: { type: 'string' },
        'session-prefix': { type: 'string' },
        'without-store': { type: 'boolean', default: false },
      },
    });
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(this, `unexpected argument ${JSON.stringify(rest[0])}`);
    const campaign = await import('../campaign.js');
    if (action === 'pause' || action === 'resume' || action === 'stop') {
      if (values.id === undefined || values.agent === undefined) throw new UsageError(this, `${action} needs --agent and --id, those the campaign was sent with`);
      return campaign.controlCampaign(action, values.agent, values.id, process.env, values['session-prefix']);
    }
    if (action === 'preview') {
      if (values.message === undefined) throw new UsageError(this, 'preview needs --message');
      const dev = values.dev ?? `http://127.0.0.1:${process.env.PORT || 8080}`;
      return campaign.previewCampaign({ messageFile: values.message, ...(values.recipients === undefined ? {} : { recipientsFile: values.recipients }), ...(values.agent === undefined ? {} : { agentId: values.agent }), devUrl: dev });
    }
    if (action !== 'send') throw new UsageError(this, `expected send, pause, resume, stop or preview, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    for (const name of ['agent', 'recipients', 'message'] as const) {
      if (values[name] === undefined) throw new UsageError(this, `send needs --${name}`);
    }
    let window: { start: string; end: string; timeZone?: string } | undefined;
    if (values.window !== undefined) {
      const match = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(values.window);
      if (match === null) throw new UsageError(this, `--window: expected HH:MM-HH:MM such as 09:00-20:00, got ${JSON.stringify(values.window)}`);
      window = { start: match[1]!, end: match[2]!, ...(values['time-zone'] === undefined ? {} : { timeZone: values['time-zone'] }) };
    } else if (values['time-zone'] !== undefined) throw new UsageError(this, '--time-zone goes with --window');
    const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new UsageError(this, `--concurrency: expected a whole number of at least 1, got ${JSON.stringify(values.concurrency)}`);
    }
    return campaign.sendCampaign(
      {
        agentId: values.agent!,
        recipientsFile: values.recipients!,
        messageFile: values.message!,
        ...(values.id === undefined ? {} : { id: values.id }),
        ...(window === undefined ? {} : { window }),
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(values.report === undefined ? {} : { reportFile: values.report }),
        ...((values.queue ?? process.env.QUEUE_URL) ? { queueUrl: values.queue ?? process.env.QUEUE_URL! } : {}),
        ...(values.stream === undefined ? {} : { stream: values.stream }),
        ...(values['session-prefix'] === undefined ? {} : { sessionPrefix: values['session-prefix'] }),
        withoutStore: values['without-store'] === true,
      },
      process.env,
    );
  },
};
