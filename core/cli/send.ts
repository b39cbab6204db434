import { readFileSync } from 'node:fs';
import { post, signedPush } from '../testing/signed-push.js';

/**
 * Signs a decoded RBM document (a JSON fixture) as Google would and POSTs it to a webhook,
 * for replaying a message while debugging. Says the answer: the status and body, or for an
 * error its code, message and each failed plugin's error (when the bot shares them, as in
 * development). Resolves with the status answered.
 *
 * @example
 * await sendFixture('fixtures/text.json', { webhook: 'http://127.0.0.1:8080/webhook', token }, console.log);
 * // 500 plugin_failed: plugins failed: greeter; a redelivery will run only those again
 * //   greeter: TypeError: Cannot read properties of undefined (reading 'name')
 */
export async function sendFixture(
  file: string,
  options: { webhook: string; token: string; attributes?: Record<string, string> },
  say: (line: string) => void,
): Promise<number> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: expected a JSON file holding a decoded RBM document: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`${file}: expected a JSON object (the decoded message.data)`);
  let answer: Awaited<ReturnType<typeof post>>;
  try {
    answer = await post(options.webhook, signedPush(data, { token: options.token, ...(options.attributes ? { attributes: options.attributes } : {}) }));
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${options.webhook} (${cause?.code ?? cause?.message ?? (error as Error).message}): is the agent running?`);
  }
  for (const line of describeAnswer(answer.status, answer.body)) say(line);
  return answer.status;
}

/** The lines saying what a webhook answered: `status error: message`, then one per failed plugin. */
function describeAnswer(status: number, body: unknown): string[] {
  if (!isRecord(body) || typeof body.error !== 'string') return [`${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`];
  const lines = [`${status} ${body.error}${typeof body.message === 'string' ? `: ${body.message}` : ''}`];
  const details = isRecord(body.details) ? body.details : undefined;
  const plugins = Array.isArray(details?.plugins) ? details.plugins : [];
  for (const failure of plugins) {
    if (!isRecord(failure)) continue;
    const error = typeof failure.error === 'string' ? failure.error : JSON.stringify(failure.error);
    lines.push(`  ${String(failure.plugin ?? '?')}: ${error}`);
  }
  if (details !== undefined) {
    const rest = Object.fromEntries(Object.entries(details).filter(([key]) => key !== 'plugins'));
    if (Object.keys(rest).length > 0) lines.push(`  details: ${JSON.stringify(rest)}`);
  }
  if (body.error === 'plugin_failed' && plugins.length === 0) lines.push("  (the agent's log says what each plugin threw)");
  return lines;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
