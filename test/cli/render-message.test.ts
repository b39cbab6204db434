import { expect } from 'chai';
import { messages, suggestions } from 'rbmkit';
import { renderMessage } from '../../core/cli/render-message.js';

describe('chat rendering', () => {
  it('shows a text with numbered chips, replies and actions alike', () => {
    const rendered = renderMessage(messages.text('Pick', [suggestions.reply('Yes', 'Y'), suggestions.openUrl('Site', 'https://x.test')]));
    expect(rendered.lines).to.deep.equal(['Pick', '[1] Yes  [2] Site (open https://x.test)']);
    expect(rendered.chips).to.deep.equal([
      { text: 'Yes', postbackData: 'Y', type: 'REPLY' },
      { text: 'Site', postbackData: 'Site', type: 'ACTION' },
    ]);
  });

  it('says in a few words what each action chip does', () => {
    const rendered = renderMessage(
      messages.text('Pick', [
        suggestions.dial('Call', '+15551234567'),
        suggestions.shareLocation('Where'),
        suggestions.viewLocation('Find us', { query: 'Eiffel Tower' }),
        suggestions.calendarEvent('Book', { title: 'Dinner', startTime: '2030-01-01T19:00:00Z', endTime: '2030-01-01T21:00:00Z' }),
      ]),
    );
    expect(rendered.lines[1]).to.equal('[1] Call (dial +15551234567)  [2] Where (share location)  [3] Find us (view location)  [4] Book (calendar: Dinner)');
  });

  it('shows cards, carousels and files, numbering card chips before the message\'s', () => {
    const card = renderMessage(messages.card({ title: 'Order 42', description: 'Shipped', imageUrl: 'https://x.test/a.jpg', suggestions: [suggestions.reply('Track')] }, [suggestions.reply('Help')]));
    expect(card.lines).to.deep.equal(['[card] Order 42 - Shipped [image https://x.test/a.jpg]', '[1] Track  [2] Help']);
    const carousel = renderMessage(messages.carousel([{ title: 'A' }, { title: 'B' }]));
    expect(carousel.lines).to.deep.equal(['[carousel of 2]', '  1. A', '  2. B']);
    expect(renderMessage(messages.file('https://x.test/doc.pdf')).lines).to.deep.equal(['[file] https://x.test/doc.pdf']);
  });
});
