// The pure parts of campaigns: the send window's clock, the CSV of recipients, the message template.
import { expect } from 'chai';
import { parseRecipientsCsv } from 'rbmkit';
import { placeholders, renderMessage } from '../../core/campaign/message-template.js';
import { sendWindow } from '../../core/campaign/send-window.js';

const HOUR = 3_600_000;

describe('campaign parts', () => {
  describe('sendWindow', () => {
    const paris = sendWindow({ start: '09:00', end: '20:00', timeZone: 'Europe/Paris' });

    it('is open inside its hours and says how long until it opens outside them', () => {
      expect(paris.msUntilOpen(Date.parse('2026-06-01T10:00:00Z'))).to.equal(0); // 12:00 in Paris
      expect(paris.msUntilOpen(Date.parse('2026-06-01T18:30:00Z'))).to.equal(12.5 * HOUR); // 20:30, opens 09:00
    });

    it('counts a change of clocks on the way: the night the clocks go forward is an hour shorter', () => {
      // 21:00 in Paris on 28 March 2026 (CET); 09:00 the next day is CEST: 11 hours, not 12.
      expect(paris.msUntilOpen(Date.parse('2026-03-28T20:00:00Z'))).to.equal(11 * HOUR);
    });

    it('handles a window across midnight', () => {
      const night = sendWindow({ start: '22:00', end: '02:00' });
      expect(night.msUntilOpen(Date.parse('2026-06-01T23:30:00Z'))).to.equal(0);
      expect(night.msUntilOpen(Date.parse('2026-06-01T01:59:00Z'))).to.equal(0);
      expect(night.msUntilOpen(Date.parse('2026-06-01T02:00:00Z'))).to.equal(20 * HOUR);
    });

    it('refuses a malformed time, an empty window and an unknown zone, naming what was expected', () => {
      expect(() => sendWindow({ start: '9:00', end: '20:00' })).to.throw('window.start: expected a time as HH:MM (24-hour), got "9:00"');
      expect(() => sendWindow({ start: '09:00', end: '09:00' })).to.throw('expected start and end to differ');
      expect(() => sendWindow({ start: '09:00', end: '20:00', timeZone: 'Mars/Olympus' })).to.throw('window.timeZone: expected an IANA time zone such as Europe/Paris, got "Mars/Olympus"');
    });
  });

  describe('parseRecipientsCsv', () => {
    it('reads a phone column and the other columns as variables, past a byte order mark', () => {
      expect(parseRecipientsCsv('\uFEFFname,Phone\nAnn,+15555550100\n')).to.deep.equal([{ phone: '+15555550100', vars: { name: 'Ann' } }]);
    });

    it('names the lines an editor shows for numbers that are not E.164, blank and quoted multi-line rows counted', () => {
      const csv = 'phone,note\n+15555550100,ok\n\n5550101,"two\nlines"\n+15555550102,ok\n(555) 0103,x\n';
      expect(() => parseRecipientsCsv(csv, 'numbers.csv')).to.throw('numbers.csv: expected E.164 numbers such as +15555550100 in column "phone"; 2 are not (line 4: "5550101"; line 7: "(555) 0103")');
    });

    it('asks for a phone column, naming the columns it found', () => {
      expect(() => parseRecipientsCsv('name,mobile\nAnn,+15555550100\n', 'numbers.csv')).to.throw('numbers.csv: expected a phone column (phone, phone_number, phonenumber, msisdn, number), got columns: name, mobile');
    });
  });

  describe('message template', () => {
    const message = { contentMessage: { richCard: { standaloneCard: { cardContent: { title: 'Hi {{name}}', suggestions: [{ reply: { text: 'Order {{ order }}', postbackData: 'ORDER_{{order}}' } }] } } } } } as const;

    it('fills every string of the message, and lists its placeholders once each', () => {
      expect(placeholders(message as never)).to.deep.equal(['name', 'order']);
      expect(JSON.stringify(renderMessage(message as never, { name: 'Ann', order: 'A-1' }))).to.equal(
        '{"contentMessage":{"richCard":{"standaloneCard":{"cardContent":{"title":"Hi Ann","suggestions":[{"reply":{"text":"Order A-1","postbackData":"ORDER_A-1"}}]}}}}}',
      );
    });

    it('names the column a recipient lacks', () => {
      expect(() => renderMessage(message as never, { name: 'Ann' })).to.throw('expected a value for {{order}}: the recipient has no "order" column');
    });
  });
});
