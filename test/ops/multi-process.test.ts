import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { createBot, MemoryDedupeStore, RedisDedupeStore, RedisSessionStore } from 'rbmkit';
import { multiProcessHint } from '../../core/ops/multi-process.js';

describe('several processes', () => {
  it('are evident from a cluster worker, pm2, WEB_CONCURRENCY or RBMKIT_INSTANCES', () => {
    expect(multiProcessHint({}, false)).to.equal(undefined);
    expect(multiProcessHint({ WEB_CONCURRENCY: '1' }, false)).to.equal(undefined);
    expect(multiProcessHint({}, true)).to.equal('this is a node:cluster worker');
    expect(multiProcessHint({ NODE_APP_INSTANCE: '0' }, false)).to.equal('NODE_APP_INSTANCE=0 (pm2 cluster mode)');
    expect(multiProcessHint({ WEB_CONCURRENCY: '4' }, false)).to.equal('WEB_CONCURRENCY=4');
    expect(multiProcessHint({ RBMKIT_INSTANCES: '2' }, false)).to.equal('RBMKIT_INSTANCES=2');
  });

  it('with stores in memory, make start-up warn loudly, naming each; with shared stores, not', async () => {
    const logs: string[] = [];
    const logger = pino(new Writable({ write: (chunk, _e, done) => void (logs.push(chunk.toString()), done()) }));
    process.env.RBMKIT_INSTANCES = '3';
    try {
      const memory = createBot({ logger, partner: { clientToken: 'T' }, dedupe: new MemoryDedupeStore() });
      await memory.listen(0, '127.0.0.1');
      await memory.close();
      expect(logs.join('')).to.include('SEVERAL PROCESSES (RBMKIT_INSTANCES=3) BUT THE DEDUPE STORE AND THE SESSION STORE ARE IN THIS PROCESS ONLY');
      logs.length = 0;
      const half = createBot({ logger, partner: { clientToken: 'T' }, dedupe: new RedisDedupeStore({ prefix: 'rbmkit-test:warn:' }) });
      await half.listen(0, '127.0.0.1');
      await half.close();
      expect(logs.join('')).to.include('BUT THE SESSION STORE IS IN THIS PROCESS ONLY');
      logs.length = 0;
      const shared = createBot({
        logger,
        partner: { clientToken: 'T' },
        dedupe: new RedisDedupeStore({ prefix: 'rbmkit-test:warn:' }),
        sessions: new RedisSessionStore({ prefix: 'rbmkit-test:warn:' }),
      });
      await shared.listen(0, '127.0.0.1');
      await shared.close();
      expect(logs.join('')).not.to.include('SEVERAL PROCESSES');
    } finally {
      delete process.env.RBMKIT_INSTANCES;
    }
  });
});
