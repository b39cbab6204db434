import type { AgentMessage } from '../client/agent-message.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The names of the `{{name}}` placeholders in a message's strings, each once.
 *
 * @example
 * placeholders({ contentMessage: { text: 'Hi {{name}}, {{ name }}!' } }); // ['name']
 */
export function placeholders(message: AgentMessage): string[] {
  const names = new Set<string>();
  JSON.stringify(message, (_key, value: unknown) => {
    if (typeof value === 'string') for (const match of value.matchAll(PLACEHOLDER)) names.add(match[1]!);
    return value;
  });
  return [...names];
}

/**
 * A message with every `{{name}}` in its strings (text, card titles, chip texts, URLs…) replaced
 * by the recipient's variable. Throws naming the variable a recipient lacks.
 *
 * @example
 * renderMessage({ contentMessage: { text: 'Hi {{name}}' } }, { name: 'Ann' }); // { contentMessage: { text: 'Hi Ann' } }
 */
export function renderMessage(message: AgentMessage, vars: Readonly<Record<string, string>>): AgentMessage {
  return JSON.parse(
    JSON.stringify(message, (_key, value: unknown) =>
      typeof value === 'string'
        ? value.replace(PLACEHOLDER, (_whole, name: string) => {
            const given = Object.hasOwn(vars, name) ? vars[name] : undefined;
            if (given === undefined) throw new Error(`expected a value for {{${name}}}: the recipient has no "${name}" column`);
            return given;
          })
        : value,
    ),
  ) as AgentMessage;
}
