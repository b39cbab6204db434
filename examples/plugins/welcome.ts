import { definePlugin, suggestions } from 'rbmkit';

export interface WelcomeOptions {
  /** What to say to someone writing for the first time. */
  readonly greeting?: string;
  /** Chips offered with the greeting. */
  readonly chips?: readonly string[];
}

/**
 * Greets each user the first time they write to this agent, with chips to get started.
 *
 * @example
 * plugins: [welcome.with({ greeting: 'Welcome to the cafe!', chips: ['Menu', 'Hours'] }), keywords.with({ … })]
 */
export const welcome = definePlugin<WelcomeOptions>({
  name: 'welcome',
  setup(agent, options) {
    // One instance per agent: this set is this agent's alone.
    const greeted = new Set<string>();
    const greeting = options.greeting ?? `Hello! This is ${agent.id}.`;
    const chips = (options.chips ?? []).map((chip) => suggestions.reply(chip));

    agent.on('message', async (event, ctx) => {
      if (greeted.has(event.phone)) return;
      greeted.add(event.phone);
      ctx.log.debug('first message from this user');
      await ctx.reply({ text: greeting, suggestions: chips });
    });

    return () => greeted.clear();
  },
});
