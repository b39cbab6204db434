import { NotReplayableError, type DeadLetter } from '../../queue/queue.js';
import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/** `rbmkit dlq`: lists, shows and replays the dead letters of a queue-mode deployment. */
export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list, show or replay the dead letters of queue mode',
  synopsis: 'dlq list | show <id> | replay <id|--all> [--url nats://…] [--stream RBMKIT]',
  details: `Reads the dead-letter queue of queue mode: the events whose plugins failed every attempt,
and (under undeliverablePolicy: 'deadLetter') the verified pushes whose data could not be used.

  list             one line per dead letter: id, agent, event or push id, failed at, reason
  show <id>        the whole dead letter as JSON (kind, decoded data, push info, agent)
  replay <id>      publishes an event again to its conversation's partition, then removes it;
                   a push (kind "push") holds no event and is refused
  replay --all     replays every event dead letter (pushes are left for a human)

  --url URL        the broker (default $QUEUE_URL, else nats://127.0.0.1:4222)
  --stream NAME    the stream the bot uses (default RBMKIT)

A replayed event runs only the plugins that had not completed it (the dedupe store remembers).
Exit code 0 on success, 1 when an id is unknown.`,
  async run(args) {
    const { values, positionals } = parseOptions(this, args, {
      allowPositionals: true,
      options: {
        url: { type: 'string', default: process.env.QUEUE_URL || 'nats://127.0.0.1:4222' },
        stream: { type: 'string', default: 'RBMKIT' },
        all: { type: 'boolean', default: false },
      },
    });
    const [action, id, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(this, `unexpected argument ${JSON.stringify(rest[0])}`);
    if (action !== 'list' && action !== 'show' && action !== 'replay') {
      throw new UsageError(this, `expected list, show <id> or replay <id|--all>, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    }
    if (action === 'list' && id !== undefined) throw new UsageError(this, `list takes no id, got ${JSON.stringify(id)}`);
    if (action === 'show' && id === undefined) throw new UsageError(this, 'expected the id of a dead letter (see rbmkit dlq list)');
    if (action === 'replay' && (id === undefined) === !values.all) throw new UsageError(this, 'expected one dead-letter id or --all');
    const { queueFromUrl } = await import('../../queue/queue-from-url.js');
    const queue = queueFromUrl(values.url, { stream: values.stream });
    try {
      const letters = queue.deadLetters;
      if (action === 'list') {
        const all = await letters.list(10_000);
        if (all.length === 0) console.log('no dead letters');
        for (const letter of all) console.log(listLine(letter));
        return 0;
      }
      if (action === 'show') {
        const letter = await letters.get(id!);
        if (letter === undefined) return notFound(id!);
        console.log(JSON.stringify(letter, null, 2));
        return 0;
      }
      const ids = values.all ? (await letters.list(10_000)).filter((letter) => letter.kind === 'event').map((letter) => letter.id) : [id!];
      let missing = 0;
      for (const each of ids) {
        try {
          if (await letters.replay(each)) console.log(`replayed ${each}`);
          else missing += notFound(each);
        } catch (error) {
          if (!(error instanceof NotReplayableError)) throw error;
          console.error(`rbmkit dlq: ${error.message}`);
          missing += 1;
        }
      }
      if (values.all) console.log(`${ids.length - missing} replayed`);
      return missing > 0 ? 1 : 0;
    } finally {
      await queue.close();
    }
  },
};

/** `id  agent  event-or-push-id  failed-at  reason`, whatever the kind. */
function listLine(letter: DeadLetter): string {
  const failedAt = new Date(letter.failedAt).toISOString();
  if (letter.kind === 'event') {
    const eventId = String(letter.record.data.messageId ?? letter.record.data.eventId ?? '');
    return `${letter.id}\t${letter.record.agentId}\t${eventId}\t${failedAt}\t${letter.reason}`;
  }
  if (letter.kind === 'push') {
    const agent = letter.push.claimedAgentId ?? letter.push.webhookAgentId ?? '-';
    return `${letter.id}\t${agent}\tpush ${letter.push.push.pushId ?? '-'} at ${letter.push.push.webhook}\t${failedAt}\t${letter.reason}`;
  }
  return `${letter.id}\t-\tunreadable\t${failedAt}\t${letter.reason}`;
}

function notFound(id: string): number {
  console.error(`rbmkit dlq: no dead letter with id ${JSON.stringify(id)}; expected an id shown by rbmkit dlq list`);
  return 1;
}
