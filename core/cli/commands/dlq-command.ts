import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/** `rbmkit dlq`: lists, shows and replays the dead letters of a queue-mode deployment. */
export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list, show or replay the dead letters of queue mode',
  synopsis: 'dlq list | show <id> | replay <id|--all> [--url nats://…] [--stream RBMKIT]',
  details: `Reads the dead-letter queue of queue mode: the events whose plugins failed every attempt.

  list             one line per dead letter: id, agent, event id, failed at, reason
  show <id>        the whole record as JSON (decoded data, push info, agent)
  replay <id>      publishes it again to its conversation's partition, then removes it
  replay --all     replays every dead letter

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
        for (const letter of all) {
          const eventId = String(letter.record.data.messageId ?? letter.record.data.eventId ?? '');
          console.log(`${letter.id}\t${letter.record.agentId}\t${eventId}\t${new Date(letter.failedAt).toISOString()}\t${letter.reason}`);
        }
        return 0;
      }
      if (action === 'show') {
        const letter = await letters.get(id!);
        if (letter === undefined) return notFound(id!);
        console.log(JSON.stringify(letter, null, 2));
        return 0;
      }
      const ids = values.all ? (await letters.list(10_000)).map((letter) => letter.id) : [id!];
      let missing = 0;
      for (const each of ids) {
        if (await letters.replay(each)) console.log(`replayed ${each}`);
        else missing += notFound(each);
      }
      if (values.all) console.log(`${ids.length - missing} replayed`);
      return missing > 0 ? 1 : 0;
    } finally {
      await queue.close();
    }
  },
};

function notFound(id: string): number {
  console.error(`rbmkit dlq: no dead letter with id ${JSON.stringify(id)}; expected an id shown by rbmkit dlq list`);
  return 1;
}
