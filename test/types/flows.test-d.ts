// Compile-time tests: a flow's answers are typed from its chips and validators, end to end.
import { expectTypeOf } from 'expect-type';
import { defineFlow, invalid, type SharedLocation } from 'rbmkit/plugins';

defineFlow('types')
  .choose('size', 'Size?', ['Small', 'Large'])
  .ask('count', (v) => {
    expectTypeOf(v.size).toEqualTypeOf<'Small' | 'Large'>();
    return `How many ${v.size}?`;
  }, (text) => (Number(text) > 0 ? Number(text) : invalid('A number')))
  .ask('name', 'Name?')
  .ask('when', 'When?', async (text) => (text === '' ? invalid() : new Date(text).toISOString()))
  .ask('note', 'Note?', undefined, { when: (v) => v.count > 2 })
  .location('where', 'Where?')
  .choose('confirm', 'OK?', ['Yes', 'Change size'], {
    next: (answer, v) => {
      expectTypeOf(answer).toEqualTypeOf<'Yes' | 'Change size'>();
      expectTypeOf(v.confirm).toEqualTypeOf<'Yes' | 'Change size'>();
      return answer === 'Change size' ? 'size' : undefined;
    },
  })
  .done((v) => {
    expectTypeOf(v.size).toEqualTypeOf<'Small' | 'Large'>();
    expectTypeOf(v.count).toEqualTypeOf<number>();
    expectTypeOf(v.name).toEqualTypeOf<string>();
    expectTypeOf(v.when).toEqualTypeOf<string>();
    expectTypeOf(v.note).toEqualTypeOf<string | undefined>();
    expectTypeOf(v.where).toEqualTypeOf<SharedLocation>();
  });

// A key used twice, and `next` to a step that does not exist, do not compile.
// @ts-expect-error the key "size" is taken
defineFlow('dup').choose('size', 'A?', ['a']).choose('size', 'B?', ['b']);
// @ts-expect-error "later" is no earlier step
defineFlow('jump').choose('a', 'A?', ['x'], { next: () => 'later' });
