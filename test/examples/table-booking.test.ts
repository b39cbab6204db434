// The table-booking example, driven as a user would chat with it.
import { expect } from 'chai';
import { echo, flows, logging } from 'rbmkit/plugins';
import { startTestBot, type TestBot } from 'rbmkit/testing';
import { booking } from '../../examples/table-booking/booking-flow.js';

describe('example: table booking', () => {
  let t: TestBot;
  beforeEach(async () => {
    t = await startTestBot({ partner: { clientToken: 'BOOKINGTOKEN0001', plugins: [logging, flows.with({ flows: [booking] }), echo.with({ markRead: false })] } });
  });
  afterEach(() => t.close());

  it('books a table: chips, a checked name, a confirming card, and a change of time on the way', async () => {
    const user = t.conversation('+15550001111');
    expect(await user.say('Book a table!')).to.deep.include({ text: 'Table for how many?', chips: ['2', '3', '4', '5', '6'] });
    expect((await user.tap('4')).chips).to.deep.equal(['18:00', '19:30', '21:00']);
    expect((await user.say('19:30')).text).to.equal('Under what name?');
    expect((await user.say('R2-D2')).text).to.equal('Please send a name: letters only, 2 to 40 of them.');
    const card = await user.say('Ada');
    expect(card.messages[0]!.contentMessage.richCard?.standaloneCard?.cardContent.title).to.equal('4 guests at 19:30');
    expect(card.chips).to.deep.equal(['Confirm', 'Change time']);
    await user.tap('Change time');
    expect((await user.tap('21:00')).chips).to.deep.equal(['Confirm', 'Change time']);
    expect((await user.tap('Confirm')).text).to.equal('Booked: 4 guests at 21:00, under Ada. See you tonight!');
    // The flow is over: echo answers again.
    expect((await user.say('thanks')).texts).to.deep.equal(['thanks']);
  });

  it('cancel ends it; anything but a chip is asked again', async () => {
    const user = t.conversation('+15550002222');
    await user.say('book');
    expect(await user.say('seven')).to.deep.include({ text: 'Please choose one of: 2, 3, 4, 5, 6.', chips: ['2', '3', '4', '5', '6'] });
    expect((await user.say('Cancel')).texts).to.deep.equal(['Booking cancelled. Send BOOK whenever you like.']);
    expect((await user.say('2')).texts).to.deep.equal(['2']);
  });
});
