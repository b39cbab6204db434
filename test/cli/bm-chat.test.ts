// `rbmkit chat --dialect business-messages` in a real process against a bot's BM webhook.
import { expect } from 'chai';
import { BmClient, definePlugin, messages, staticToken, suggestions, type RbmEvent } from 'rbmkit';
import { keywords } from 'rbmkit/plugins';
import { startTestBot } from 'rbmkit/testing';
import { freePort, runTs } from '../helpers/processes.js';

const CLI = 'core/cli/main.ts';

describe('rbmkit chat --dialect business-messages (real processes)', function () {
  this.timeout(30_000);

  it('plays Google\'s BM: signs raw bodies, serves the fake BM API, renders replies and chips, sends taps, files, receipts and typing', async () => {
    const apiPort = await freePort();
    const seen: RbmEvent[] = [];
    const witness = definePlugin({ name: 'witness', setup: (a) => void a.on('any', (e) => void seen.push(e), { stage: 'observe' }) });
    // A shared file arrives in BM as its URL in a text: this plugin says so, the way echo would.
    const fileEcho = definePlugin({
      name: 'file-echo',
      setup: (a) =>
        void a.on('text', async (e, ctx) => {
          if (!e.text.startsWith('https://')) return;
          await ctx.markRead();
          await ctx.reply(`got ${e.text}`);
        }),
    });
    const menu = keywords.with({
      routes: [
        { match: 'menu', reply: messages.text('What would you like?', [suggestions.reply('Pho', 'ORDER_PHO'), suggestions.openUrl('Site', 'https://example.com')]) },
        { postback: 'ORDER_PHO', reply: 'One pho, coming up!' },
      ],
    });
    const bot = await startTestBot({
      partner: { clientToken: 'RBMTOKEN', plugins: [menu, witness, fileEcho] },
      businessMessages: { clientToken: 'BMCHATTOKEN', client: new BmClient({ baseUrl: `http://127.0.0.1:${apiPort}`, auth: staticToken('local'), maxAttempts: 2 }) },
    });
    const chat = runTs(CLI, ['chat', '--bm', '--webhook', `${bot.url}/bm`, '--token', 'BMCHATTOKEN', '--api-port', String(apiPort), '--agent', 'brands/cafe/agents/front', '--conversation', 'CONV-CHAT']);
    try {
      await chat.waitFor(/type a message/);
      chat.child.stdin.end(['menu', '1', '/file https://example.com/cat.jpg', '/read', '/typing', '/location 1 2', '/subscribe', ''].join('\n'));
      expect(await chat.exited()).to.equal(0);
      const out = chat.output();
      expect(out).to.include('you are conversation CONV-CHAT, talking to brands/cafe/agents/front');
      expect(out).to.include('  ✓✓ read');
      expect(out).to.include('agent> What would you like?\n       [1] Pho  [2] Site (open https://example.com)');
      expect(out).to.include('you> 1\nagent> One pho, coming up!');
      expect(out).to.include('agent> got https://example.com/cat.jpg');
      expect(out).to.include('! Business Messages users could not share a location');
      expect(out).to.include('! Business Messages has no SUBSCRIBE event');
      expect(out).not.to.include('the agent answered');
      expect(seen.map((e) => [e.type, e.dialect, e.phone, e.agentId])).to.deep.equal([
        ['text', 'business-messages', 'CONV-CHAT', 'brands/cafe/agents/front'],
        ['suggestion', 'business-messages', 'CONV-CHAT', 'brands/cafe/agents/front'],
        ['text', 'business-messages', 'CONV-CHAT', 'brands/cafe/agents/front'],
        ['read', 'business-messages', 'CONV-CHAT', 'brands/cafe/agents/front'],
        ['typing', 'business-messages', 'CONV-CHAT', 'brands/cafe/agents/front'],
      ]);
    } finally {
      await chat.stop();
      await bot.close();
    }
  });

  it('refuses an unknown dialect, naming the valid ones', async () => {
    const chat = runTs(CLI, ['chat', '--dialect', 'sms']);
    expect(await chat.exited()).to.equal(2);
    expect(chat.output()).to.include('--dialect: expected rbm or business-messages, got sms');
  });
});
