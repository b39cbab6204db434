import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { AgentMessage } from '../client/agent-message.js';
import { renderMessage, type Chip } from './render-message.js';

/**
 * Prints an agent's message as a terminal chat shows it (`agent> ` before its first line) and
 * returns its chips, for the user to tap by number.
 *
 * @example
 * chips = sayAgentMessage(say, { contentMessage: { text: 'hi' } }); // prints "agent> hi"
 */
export function sayAgentMessage(say: (line: string) => void, message: AgentMessage): Chip[] {
  const rendered = renderMessage(message);
  rendered.lines.forEach((line, i) => say(`${i === 0 ? 'agent> ' : '       '}${line}`));
  return rendered.chips;
}

/**
 * What a chat's user types: trimmed lines, blank ones skipped, until `/quit` or the end of the
 * input. When the input is no terminal (a pipe, a test), each line is echoed as `you> …`.
 *
 * @example
 * for await (const line of chatLines(process.stdin, say)) await send(line);
 */
export async function* chatLines(input: Readable, say: (line: string) => void): AsyncGenerator<string> {
  const echoInput = (input as { isTTY?: boolean }).isTTY !== true;
  for await (const raw of createInterface({ input, terminal: false })) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit') return;
    if (echoInput) say(`you> ${line}`);
    yield line;
  }
}
