// The echo agent as a Google Cloud Function (Cloud Run functions), HTTP trigger. The function's
// URL is the webhook: configure it at Google with the same clientToken as RBM_CLIENT_TOKEN.
//
// Locally, with the Functions Framework (as the test does):
//   RBM_CLIENT_TOKEN=… RBM_API_URL=http://127.0.0.1:8081 \
//     node --import tsx node_modules/@google-cloud/functions-framework/build/src/main.js \
//       --target=rbm --source=examples/cloud-function/index.ts
// Deploy: docs/deploy.md.
import { http } from '@google-cloud/functions-framework';
import { clientFromEnv, createBot, RedisDedupeStore, RedisSessionStore } from 'rbmkit';
import { cloudFunction } from 'rbmkit/adapters';
import { echo, logging } from 'rbmkit/plugins';

// Instances come and go: with REDIS_URL, a redelivery that lands on another instance is still a duplicate.
const redisUrl = process.env.REDIS_URL || undefined;

const bot = createBot({
  partner: { path: '/webhook', clientToken: { env: 'RBM_CLIENT_TOKEN' }, plugins: [logging, echo] },
  client: clientFromEnv().client,
  // The CPU is frozen once the answer is sent: answer only when every plugin is done.
  processBeforeResponse: true,
  ...(redisUrl === undefined ? {} : { dedupe: new RedisDedupeStore({ url: redisUrl }), sessions: new RedisSessionStore({ url: redisUrl }) }),
});

http('rbm', cloudFunction(bot));
