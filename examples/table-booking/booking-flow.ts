// A table-booking conversation: party size and time by chips, a name checked as typed, a
// rich card to confirm (or go back and change the time). Started by "book" or a BOOK chip.
import { messages, suggestions } from 'rbmkit';
import { defineFlow, invalid } from 'rbmkit/plugins';

export const booking = defineFlow('booking', {
  start: { words: ['book', 'book a table', 'reserve'], postback: 'BOOK' },
  timeoutMs: 15 * 60_000,
  timedOut: 'Your booking timed out. Send BOOK to start again.',
  cancelled: 'Booking cancelled. Send BOOK whenever you like.',
})
  .choose('guests', 'Table for how many?', ['2', '3', '4', '5', '6'])
  .choose('time', (v) => `A table for ${v.guests}. Which time tonight?`, ['18:00', '19:30', '21:00'])
  .ask('name', 'Under what name?', (text) => (/^\p{L}[\p{L} '-]{1,39}$/u.test(text) ? text : invalid('Please send a name: letters only, 2 to 40 of them.')))
  .choose(
    'confirm',
    (v) =>
      messages.card({
        title: `${v.guests} guests at ${v.time}`,
        description: `Tonight, under the name ${v.name}.`,
        imageUrl: 'https://picsum.photos/seed/table/600/300',
      }),
    ['Confirm', 'Change time'],
    { next: (answer) => (answer === 'Change time' ? 'time' : undefined) },
  )
  .done(async (v, ctx) => {
    // A real agent saves the booking here, keyed by ctx.delivery.eventId so a redelivery books once.
    await ctx.reply({
      text: `Booked: ${v.guests} guests at ${v.time}, under ${v.name}. See you tonight!`,
      suggestions: [suggestions.reply('Book another', 'BOOK')],
    });
  });
