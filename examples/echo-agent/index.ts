// The echo agent: answers every message with itself. Run it with `npm run echo`,
// then chat with it from another terminal with `npm run chat`.
import { clientFromEnv, createBot, LOCAL_DEV_TOKEN, stopOnSignals } from 'rbmkit';
import { echo, logging } from 'rbmkit/plugins';

const ownToken = process.env.RBM_CLIENT_TOKEN || undefined;
const clientToken = ownToken ?? LOCAL_DEV_TOKEN;
const host = process.env.HOST || (ownToken === undefined ? '127.0.0.1' : '0.0.0.0');
const { client, description } = clientFromEnv();

const bot = createBot({
  partner: { path: '/webhook', clientToken, plugins: [logging, echo] },
  client,
});

const { port } = await bot.listen(Number(process.env.PORT || 8080), host);
stopOnSignals(bot);
bot.log.info(`echo agent listening on http://${host}:${port}/webhook`);
bot.log.info(description);
if (ownToken === undefined) {
  bot.log.warn('RBM_CLIENT_TOKEN is not set: using the local development token, on loopback only');
}
