// A partner running three agents on one server, showing RBM's precedence:
// - agents without a plugin list of their own get the partner defaults (logging + echo);
// - cafe@rbm.goog has its own list (logging + a keyword menu), so it gets exactly that;
// - bank@rbm.goog has its own webhook and token, and (no list of its own) the partner defaults.
import { clientFromEnv, createBot, stopOnSignals } from 'rbmkit';
import { echo, keywords, logging } from 'rbmkit/plugins';

const menu = keywords.with({
  routes: [
    { match: ['menu', 'thực đơn', 'carte'], reply: 'Today: pho 8€, banh mi 6€, iced coffee 3€', chips: ['Order pho', 'Opening hours'] },
    { match: ['hours', 'opening hours', 'open'], reply: 'Open every day, 8:00 to 20:00.' },
    // A pattern sees the text as sent: `i` for any case; the capture keeps the user's accents ("Order Phở bò").
    { pattern: /^order (.+)$/i, handle: (_event, ctx, match) => ctx.reply(`One ${match.captures[0]}, coming up!`) },
  ],
  fallback: { reply: 'Type MENU to see what we serve.', chips: ['Menu'] },
});

const { client, description } = clientFromEnv();
const bot = createBot({
  partner: { path: '/webhook', clientToken: process.env.PARTNER_TOKEN ?? 'local-partner-token', plugins: [logging, echo] },
  agents: {
    'cafe@rbm.goog': { plugins: [logging, menu] },
    'bank@rbm.goog': { webhook: { path: '/agents/bank', clientToken: process.env.BANK_TOKEN ?? 'local-bank-token' } },
  },
  client,
});

const { url } = await bot.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
stopOnSignals(bot);
bot.log.info(`partner webhook ${url}/webhook, bank's own webhook ${url}/agents/bank`);
bot.log.info(description);
