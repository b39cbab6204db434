// Compile-time tests: `npm run typecheck` fails if the event types drift from the names.
import { expectTypeOf } from 'expect-type';
import { definePlugin, type BmContext, type EventName, type RbmEvent, type UserMessage } from 'rbmkit';

definePlugin({
  name: 'type-tests',
  setup(agent) {
    agent.on('text', (event) => {
      expectTypeOf(event.text).toEqualTypeOf<string>();
      expectTypeOf(event.phone).toEqualTypeOf<string>();
      expectTypeOf(event.type).toEqualTypeOf<'text'>();
    });
    agent.on('suggestion', (event) => {
      expectTypeOf(event.postbackData).toEqualTypeOf<string>();
      expectTypeOf(event.text).toEqualTypeOf<string | undefined>();
    });
    agent.on('location', (event) => expectTypeOf(event.latitude).toEqualTypeOf<number>());
    agent.on('file', (event) => expectTypeOf(event.file.fileUri).toEqualTypeOf<string | undefined>());
    agent.on('agentLaunch', (event) => expectTypeOf(event.phone).toEqualTypeOf<undefined>());
    agent.on('message', (event) => {
      expectTypeOf(event).toEqualTypeOf<UserMessage>();
      expectTypeOf(event.type).toEqualTypeOf<'text' | 'suggestion' | 'location' | 'file'>();
      if (event.type === 'location') expectTypeOf(event.longitude).toEqualTypeOf<number>();
    });
    agent.on('userEvent', (event) => expectTypeOf(event.type).toEqualTypeOf<'delivered' | 'read' | 'typing' | 'subscribe' | 'unsubscribe'>());
    agent.on('serverEvent', (event) => expectTypeOf(event.type).toEqualTypeOf<'ttlRevoked' | 'ttlRevokeFailed' | 'agentLaunch'>());
    agent.on('any', (event) => expectTypeOf(event).toEqualTypeOf<RbmEvent>());
    agent.on('rejected', (notice) => expectTypeOf(notice.reason).toBeString());
    agent.on('failed', (notice) => expectTypeOf(notice.plugins).toEqualTypeOf<readonly string[]>());
    agent.on('unknown', (event) => expectTypeOf(event.raw).toEqualTypeOf<Readonly<Record<string, unknown>>>());
    // Business Messages: the same events, with the dialect's fields optional on every one.
    agent.on('any', (event) => {
      expectTypeOf(event.dialect).toEqualTypeOf<'business-messages' | undefined>();
      expectTypeOf(event.conversationId).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.context).toEqualTypeOf<BmContext | undefined>();
    });
    agent.on('read', (event) => expectTypeOf(event.messageIds).toEqualTypeOf<readonly string[] | undefined>());

    // @ts-expect-error: a misspelt name does not compile
    agent.on('txet', () => undefined);
    // @ts-expect-error: `text` events have no latitude
    agent.on('text', (event) => event.latitude);
  },
});

expectTypeOf<RbmEvent['type']>().toEqualTypeOf<EventName>();
