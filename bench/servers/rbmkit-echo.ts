// rbmkit's echo agent as the example runs it (logging + echo, log level info: one JSON line
// per event to stdout, which the bench sends to /dev/null; LOG_LEVEL overrides), replying
// through the in-memory client (CLIENT=memory) or the real HTTP client to a fake RBM API
// on loopback (CLIENT=http, RBM_API_URL). PLUGINS=none runs no plugin: verification, dedupe
// and dispatch alone.
import { createBot, HttpRbmClient, MemoryRbmClient, noAuth } from 'rbmkit';
import { echo, logging } from 'rbmkit/plugins';
import { announce, TOKEN } from './verify.js';

const client =
  process.env.CLIENT === 'http' ? new HttpRbmClient({ baseUrl: process.env.RBM_API_URL!, auth: noAuth() }) : new MemoryRbmClient({ keep: 1_000 });
const bot = createBot({
  logger: { level: process.env.LOG_LEVEL || 'info' },
  partner: { path: '/webhook', clientToken: TOKEN, plugins: process.env.PLUGINS === 'none' ? [] : [logging, echo] },
  client,
  metrics: process.env.METRICS === 'off' ? false : undefined,
});
const { port } = await bot.listen(0, '127.0.0.1');
announce(port);
