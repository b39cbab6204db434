import type { HttpRbmClient } from '../../client/http-rbm-client.js';
import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/**
 * The client tester invites go through, from the environment: `BUSINESS_COMMUNICATIONS_URL`
 * (a fake; without credentials no token is sent), else Google's Business Communications API
 * with the service account of `GOOGLE_APPLICATION_CREDENTIALS` and the businesscommunications scope.
 *
 * @example
 * const client = await testersClientFromEnv({ BUSINESS_COMMUNICATIONS_URL: 'http://127.0.0.1:8081' });
 */
export async function testersClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<HttpRbmClient> {
  const read = (name: string) => (env[name] === '' ? undefined : env[name]);
  const url = read('BUSINESS_COMMUNICATIONS_URL');
  const credentials = read('GOOGLE_APPLICATION_CREDENTIALS');
  if (url === undefined && credentials === undefined) {
    throw new Error(
      'expected GOOGLE_APPLICATION_CREDENTIALS (a service account allowed the businesscommunications scope) or BUSINESS_COMMUNICATIONS_URL (a fake of the API), got neither',
    );
  }
  const { HttpRbmClient } = await import('../../client/http-rbm-client.js');
  const { BUSINESS_COMMUNICATIONS_SCOPE, googleAuth, noAuth } = await import('../../client/rbm-auth.js');
  const auth = credentials === undefined ? noAuth() : googleAuth({ scopes: [BUSINESS_COMMUNICATIONS_SCOPE] });
  return new HttpRbmClient({ auth, businessCommunicationsAuth: auth, maxAttempts: 2, ...(url === undefined ? {} : { businessCommunicationsUrl: url }) });
}

/** `rbmkit testers invite`: invites users to test an agent that is not launched yet. */
export const testersCommand: Command = {
  name: 'testers',
  summary: 'invite users to test an unlaunched agent: rbmkit testers invite +1…',
  synopsis: 'testers invite <+E.164>… [--agent ID]',
  details: `Invites each number to test the agent through Google's Business Communications API
(POST /v1/testers). The user gets a message asking to confirm; until the agent is launched it
can only talk to testers. Google allows 20 invites a day and 200 in all per agent (then 429).

  --agent ID    the agent's id (default $RBM_AGENT_ID)

Credentials: GOOGLE_APPLICATION_CREDENTIALS, a service account allowed the
businesscommunications scope. BUSINESS_COMMUNICATIONS_URL points at another base URL, such
as a local fake. Exit code 0 when every invite was accepted, 1 otherwise.`,
  async run(args) {
    const { values, positionals } = parseOptions(this, args, {
      allowPositionals: true,
      options: { agent: { type: 'string', default: process.env.RBM_AGENT_ID ?? '' } },
    });
    const [action, ...phones] = positionals;
    if (action !== 'invite') throw new UsageError(this, `expected invite <+E.164>…, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    if (phones.length === 0) throw new UsageError(this, 'expected at least one phone number in E.164 form, like +12223334444');
    if (values.agent === '') throw new UsageError(this, 'expected the agent id: --agent ID or RBM_AGENT_ID');
    const { isE164, maskPhone } = await import('../../client/phone.js');
    const bad = phones.find((phone) => !isE164(phone));
    if (bad !== undefined) throw new UsageError(this, `expected phone numbers in E.164 form like +12223334444, got ${JSON.stringify(maskPhone(bad))}`);
    const client = await testersClientFromEnv();
    for (const phone of phones) {
      try {
        const invite = await client.inviteTester({ agentId: values.agent, phone });
        console.log(`invited ${maskPhone(phone)} to test ${values.agent}${invite.inviteStatus === undefined ? '' : ` (${invite.inviteStatus})`}`);
      } catch (error) {
        console.error(`rbmkit testers: could not invite ${maskPhone(phone)}: ${(error as Error).message}`);
        return 1;
      }
    }
    return 0;
  },
};
