import { expect } from 'chai';
import { ConfigError, createBot, type Agent } from 'rbmkit';
import { KeywordMatcher, keywords, normalizeText, sentText } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'KWTOKEN000000001';

describe('normalizeText', () => {
  it('ignores case, accents (Unicode-aware) and punctuation', () => {
    expect(normalizeText('thực đơn')).to.equal('thuc don');
    expect(normalizeText('THUC DON')).to.equal('thuc don');
    expect(normalizeText('  Crème   Brûlée!! ')).to.equal('creme brulee');
    expect(normalizeText('ﬁle')).to.equal('file');
    expect(normalizeText('Straße')).to.equal('strasse');
  });
});

describe('sentText', () => {
  it('keeps what the user typed, NFC-normalized and trimmed', () => {
    expect(sentText('  Order Pho\u031B\u0309 bò\n')).to.equal('Order Phở bò');
    expect(sentText('Order Phở bò')).to.have.length(12);
    expect(sentText(' REF-123 ')).to.equal('REF-123');
  });
});

describe('KeywordMatcher', () => {
  it('matches whole words and phrases, the longest first', () => {
    const m = new KeywordMatcher([{ match: 'menu' }, { match: 'menu du jour' }, { match: 'hours' }]);
    expect(m.matchText('Show me the MENU please')?.match.phrase).to.equal('menu');
    expect(m.matchText('le menu du jour?')?.match.phrase).to.equal('menu du jour');
    expect(m.matchText('menus')).to.equal(undefined);
  });

  it('hands regular expression captures, numbered and named, as the user typed them', () => {
    const m = new KeywordMatcher([{ pattern: /^order (?<id>\d+)(?: for (\w+))?$/i }]);
    const found = m.matchText('Order 42 for Anh')!.match;
    expect(found.captures).to.deep.equal(['42', 'Anh']);
    expect(found.groups).to.deep.equal({ id: '42' });
    expect(found).to.include({ text: 'Order 42 for Anh', input: 'Order 42 for Anh', normalized: 'order 42 for anh' });
  });

  it('runs patterns on the text as sent: punctuation, case and accents count', () => {
    const m = new KeywordMatcher([{ pattern: /^REF-(\d+)$/ }, { pattern: /^order #(\d+)$/ }, { pattern: /^Café (.+)$/u }]);
    expect(m.matchText('REF-123')?.match.captures).to.deep.equal(['123']);
    expect(m.matchText('  REF-123\n')?.match.captures).to.deep.equal(['123']);
    expect(m.matchText('ref-123')).to.equal(undefined);
    expect(m.matchText('order #42')?.match.captures).to.deep.equal(['42']);
    expect(m.matchText('order 42')).to.equal(undefined);
    // Decomposed input (e + U+0301) is NFC-normalized first, so the accented pattern still matches.
    expect(m.matchText('Cafe\u0301 sữa đá')?.match.captures).to.deep.equal(['sữa đá']);
    expect(m.matchText('cafe sua da')).to.equal(undefined);
  });

  it('keeps the accents of a capture, and matches any case with the i flag', () => {
    const m = new KeywordMatcher([{ pattern: /^order (.+)$/i }]);
    expect(m.matchText('Order Phở bò')?.match.captures).to.deep.equal(['Phở bò']);
    expect(m.matchText('ORDER Bánh Mì')?.match.captures).to.deep.equal(['Bánh Mì']);
    expect(m.matchText('order pho')?.match.captures).to.deep.equal(['pho']);
  });

  it('runs a pattern on the folded text when the route asks (fold: true)', () => {
    const m = new KeywordMatcher([{ pattern: /^order (.+)$/, fold: true }]);
    const found = m.matchText('ORDER: Phở  bò!')!.match;
    expect(found.captures).to.deep.equal(['pho bo']);
    expect(found.input).to.equal('order pho bo');
  });

  it('matches words and phrases before patterns, on the folded text', () => {
    const m = new KeywordMatcher([{ pattern: /^menu$/ }, { match: 'menu' }]);
    expect(m.matchText('MENU!')?.match).to.include({ phrase: 'menu', input: 'menu' });
    expect(m.matchText('!!!')).to.equal(undefined);
    expect(m.matchText('')).to.equal(undefined);
  });

  it('refuses a phrase given twice and a broken pattern, naming the route', () => {
    expect(() => new KeywordMatcher([{ match: 'menu' }, { match: 'MENU' }])).to.throw('routes.1.match: "MENU" is already matched by routes.0');
    expect(() => new KeywordMatcher([{ pattern: '(' }])).to.throw(/routes\.0\.pattern: expected a valid regular expression/);
    expect(() => new KeywordMatcher([{} as never])).to.throw('routes.0: expected one of "match"');
  });

  it('looks phrases up by hash: 10,000 routes resolve like 10, with no regular expression run', () => {
    const routes = Array.from({ length: 10_000 }, (_, i) => ({ match: `item ${i} special` }));
    const m = new KeywordMatcher(routes);
    expect(m.matchText('I want ITEM 9999 SPECIAL now')?.route).to.equal(routes[9999]);
    expect(m.matchText('nothing here')).to.equal(undefined);
    // The structure is a map: no per-route work at match time.
    expect((m as unknown as { patterns: unknown[] }).patterns).to.have.length(0);
  });
});

describe('keywords plugin', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const start = async (options: Parameters<typeof keywords.with>[0]) => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [keywords.with(options)] } });
    return t;
  };

  it('replies to words and phrases ignoring case and accents, with chips', async () => {
    await start({ routes: [{ match: ['menu', 'thực đơn'], reply: 'Pho, banh mi', chips: ['Order', 'Hours'] }] });
    await t!.push(payloads.text({ text: 'THUC DON' }));
    await t!.push(payloads.text({ text: 'the Ménu?' }));
    expect(t!.texts()).to.deep.equal(['Pho, banh mi', 'Pho, banh mi']);
    const first = t!.client.sent[0]!;
    expect(first.kind === 'message' && first.message.contentMessage.suggestions).to.deep.equal([
      { reply: { text: 'Order', postbackData: 'Order' } },
      { reply: { text: 'Hours', postbackData: 'Hours' } },
    ]);
  });

  it('calls a handler with a regular expression\'s captures', async () => {
    await start({ routes: [{ pattern: /^order (\d+)$/i, handle: (_e, ctx, m) => ctx.reply(`Order ${m.captures[0]} is on its way`) }] });
    await t!.push(payloads.text({ text: 'Order 42' }));
    expect(t!.texts()).to.deep.equal(['Order 42 is on its way']);
  });

  it('answers with what the user typed: REF-123, order #42, an accented dish', async () => {
    await start({
      routes: [
        { pattern: /^REF-(\d+)$/, handle: (_e, ctx, m) => ctx.reply(`Looking up REF-${m.captures[0]}`) },
        { pattern: /^order #(?<id>\d+)$/, handle: (_e, ctx, m) => ctx.reply(`Order ${m.groups.id} shipped`) },
        { pattern: /^order (.+)$/i, handle: (_e, ctx, m) => ctx.reply(`One ${m.captures[0]}, coming up!`) },
        { pattern: /^table (\w+)$/, fold: true, handle: (_e, ctx, m) => ctx.reply(`Table ${m.captures[0]} booked`) },
      ],
      fallback: { reply: 'fallback' },
    });
    for (const text of ['REF-123', 'order #42', 'Order Phở bò', 'TABLE Été!', 'ref-123']) await t!.push(payloads.text({ text }));
    expect(t!.texts()).to.deep.equal(['Looking up REF-123', 'Order 42 shipped', 'One Phở bò, coming up!', 'Table ete booked', 'fallback']);
  });

  it('routes chip taps by postbackData first, then by their text', async () => {
    await start({
      routes: [
        { postback: 'BUY_1', reply: 'Bought one' },
        { match: 'help', reply: 'Help is here' },
      ],
    });
    await t!.push(payloads.suggestion({ postbackData: 'BUY_1', text: 'Buy' }));
    await t!.push(payloads.suggestion({ postbackData: 'unrouted', text: 'Help' }));
    expect(t!.texts()).to.deep.equal(['Bought one', 'Help is here']);
  });

  it('sends what matched nothing to the fallback, and does nothing without one', async () => {
    await start({ routes: [{ match: 'menu', reply: 'M' }], fallback: { handle: (_e, ctx, m) => ctx.reply(`No route for "${m.text}"`) } });
    await t!.push(payloads.text({ text: 'gibberish' }));
    expect(t!.texts()).to.deep.equal(['No route for "gibberish"']);
    await t!.close();
    await start({ routes: [{ match: 'menu', reply: 'M' }] });
    expect((await t!.push(payloads.text({ text: 'gibberish' }))).status).to.equal(200);
    expect(t!.texts()).to.deep.equal([]);
  });

  it('answers STOP and START itself, before any route or fallback, and tells the app', async () => {
    const calls: string[] = [];
    await start({
      fallback: { reply: 'fallback' },
      optOut: { onStop: (phone) => void calls.push(`stop:${phone}`), onStart: (phone) => void calls.push(`start:${phone}`) },
    });
    await t!.push(payloads.text({ text: 'Stop', phone: '+15550000001' }));
    await t!.push(payloads.text({ text: 'BAJA', phone: '+15550000002' }));
    await t!.push(payloads.text({ text: 'start', phone: '+15550000001' }));
    await t!.push(payloads.userEvent({ eventType: 'UNSUBSCRIBE', phone: '+15550000003' }));
    await t!.push(payloads.text({ text: 'please stop the music' }));
    expect(calls).to.deep.equal(['stop:+15550000001', 'stop:+15550000002', 'start:+15550000001', 'stop:+15550000003']);
    expect(t!.texts()).to.deep.equal([
      'You are unsubscribed and will get no more messages. Send START to subscribe again.',
      'You are unsubscribed and will get no more messages. Send START to subscribe again.',
      'You are subscribed again. Send STOP to unsubscribe.',
      'fallback',
    ]);
  });

  it('refuses a route that would shadow STOP by accident, and lets one take it over on purpose', async () => {
    const agent = { id: 'a', scope: 'agent', log: undefined, client: undefined, on() { return agent; } } as unknown as Agent;
    expect(() => keywords.setup(agent, { routes: [{ match: 'menu', reply: 'm' }, { match: 'Stop', reply: 'mine' }] })).to.throw(
      'keywords.routes.1: matches the opt-out word "stop", which the built-in STOP/START handling answers',
    );
    expect(() => keywords.setup(agent, { routes: [{ pattern: /^q/, reply: 'q' }] })).to.throw('keywords.routes.0: matches the opt-out word "quit"');
    // Refused when the bot is created, not on the first STOP.
    expect(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [keywords.with({ routes: [{ match: 'stop', reply: 'mine' }] })] } })).to.throw(
      ConfigError,
      'partner.plugins.0 (keywords): routes.0: matches the opt-out word "stop"',
    );
    expect(() => keywords.setup(agent, { routes: [{ pattern: /^STOP$/, reply: 's' }] })).to.throw('keywords.routes.0: matches the opt-out word "stop"');
    expect(() => keywords.setup(agent, { routes: [{ pattern: /^opt out$/, fold: true, reply: 'o' }] })).to.throw('matches the opt-out word "opt out"');
    await start({ routes: [{ pattern: /^(stop|go)$/i, reply: 'traffic light', overridesOptOut: true }] });
    await t!.push(payloads.text({ text: 'STOP' }));
    expect(t!.texts()).to.deep.equal(['traffic light']);
    await t!.close();
    // A pattern takes over only the spellings it matches: this one is case-sensitive.
    await start({ routes: [{ pattern: /^stop$/, reply: 'mine', overridesOptOut: true }] });
    await t!.push(payloads.text({ text: 'stop' }));
    await t!.push(payloads.text({ text: 'STOP' }));
    expect(t!.texts()).to.deep.equal(['mine', 'You are unsubscribed and will get no more messages. Send START to subscribe again.']);
  });
});
