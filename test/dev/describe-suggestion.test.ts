import { expect } from 'chai';
import { suggestions } from 'rbmkit';
import { describeSuggestion } from '../../core/dev/web/chat/describe-suggestion.js';

// The module the web chat page loads in the browser and the terminal chat imports: one reading
// of a suggestion chip for both.
describe('describeSuggestion (web chat page and terminal chat)', () => {
  it('describes a reply: its text, nothing the phone does, and a REPLY tap', () => {
    expect(describeSuggestion(suggestions.reply('Yes', 'Y'))).to.deep.equal({ text: 'Yes', kind: 'reply', what: '', gist: '', tap: { postbackData: 'Y', text: 'Yes', kind: 'REPLY' } });
  });

  it('says what each action does, as a sentence for the page and in a few words for a terminal line', () => {
    const described = (s: Parameters<typeof describeSuggestion>[0]) => {
      const { kind, what, gist } = describeSuggestion(s);
      return { kind, what, gist };
    };
    expect(described(suggestions.dial('Call', '+15551234567'))).to.deep.equal({ kind: 'dial', what: 'opens the dialer with +15551234567', gist: 'dial +15551234567' });
    expect(described(suggestions.openUrl('Site', 'https://x.test'))).to.deep.equal({ kind: 'url', what: 'opens https://x.test', gist: 'open https://x.test' });
    expect(described(suggestions.openUrl('Menu', 'https://x.test/m', { application: 'WEBVIEW', webviewViewMode: 'HALF' }))).to.deep.equal({
      kind: 'url',
      what: 'opens https://x.test/m in a webview (HALF)',
      gist: 'open https://x.test/m',
    });
    expect(described(suggestions.shareLocation('Where'))).to.deep.equal({ kind: 'shareLocation', what: 'asks you to share your location', gist: 'share location' });
    expect(described(suggestions.viewLocation('Find us', { latitude: 1.5, longitude: 2, label: 'Café' }))).to.deep.equal({ kind: 'viewLocation', what: 'shows 1.5, 2 (Café) on a map', gist: 'view location' });
    expect(described(suggestions.viewLocation('Find us', { query: 'Eiffel Tower' }))).to.deep.equal({ kind: 'viewLocation', what: 'shows Eiffel Tower on a map', gist: 'view location' });
    const calendar = described(suggestions.calendarEvent('Book', { title: 'Dinner', startTime: '2030-01-01T19:00:00Z', endTime: '2030-01-01T21:00:00Z' }));
    expect(calendar.gist).to.equal('calendar: Dinner');
    // The start is in the reader's time zone and format: the page's browser, here Node.
    expect(calendar.what).to.equal(`adds "Dinner" to the calendar, ${new Date('2030-01-01T19:00:00Z').toLocaleString()}`);
  });

  it('gives an openUrl action its URL, and every action an ACTION tap with its text and postbackData', () => {
    const site = describeSuggestion(suggestions.openUrl('Site', 'https://x.test', { postbackData: 'site' }));
    expect(site.url).to.equal('https://x.test');
    expect(site.tap).to.deep.equal({ postbackData: 'site', text: 'Site', kind: 'ACTION' });
  });

  it('reads what the agent sent without trusting it: an action it does not know, or no action at all', () => {
    const unknown = { action: { text: 'Pay', postbackData: 'pay', payAction: {} } } as unknown as Parameters<typeof describeSuggestion>[0];
    expect(describeSuggestion(unknown)).to.deep.equal({ text: 'Pay', kind: 'action', what: 'an action this page does not know', gist: 'action', tap: { postbackData: 'pay', text: 'Pay', kind: 'ACTION' } });
    const empty = {} as unknown as Parameters<typeof describeSuggestion>[0];
    expect(describeSuggestion(empty).tap).to.deep.equal({ postbackData: '', text: '', kind: 'ACTION' });
  });
});
