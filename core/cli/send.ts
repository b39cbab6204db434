import { readFileSync } from 'node:fs';
import { post, signedPush } from '../testing/signed-push.js';

/**
 * Signs a decoded RBM document (a JSON fixture) as Google would and POSTs it to a webhook,
 * for replaying a message while debugging. Resolves with the status answered.
 *
 * @example
 * await sendFixture('fixtures/text.json', { webhook: 'http://127.0.0.1:8080/webhook', token }, console.log);
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
  const answer = await post(options.webhook, signedPush(data, { token: options.token, ...(options.attributes ? { attributes: options.attributes } : {}) }));
  say(`${answer.status} ${typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)}`);
  return answer.status;
}
