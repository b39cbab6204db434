import { expect } from 'chai';
import { MemoryRbmClient, messages, UserNotReachableError, type RbmClient } from 'rbmkit';
import { RBM_CALL_METHODS } from '../../core/client/rbm-calls.js';
import { reportingUnreachable } from '../../core/dispatch/unreachable-reporting-client.js';
import { rejection } from '../helpers/rejection.js';

const AGENT = 'shop@rbm.goog';
const PHONE = '+12223334444';

/** A client whose every method records its name and argument, and answers the name. */
function recording(names: readonly string[]): { client: RbmClient; calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  const client = Object.fromEntries(names.map((name) => [name, async (argument: unknown) => (calls.push([name, argument]), name)])) as unknown as RbmClient;
  return { client, calls };
}

describe('reportingUnreachable', () => {
  it('forwards every call of RBM_CALLS and both observers to the inner client, argument and answer as they are', async () => {
    const names = [...RBM_CALL_METHODS, 'observe', 'observeRateLimit'];
    const { client, calls } = recording(names);
    const wrapped = reportingUnreachable(client, async () => undefined) as unknown as Record<string, (argument: unknown) => Promise<unknown>>;
    const answers = [];
    for (const name of names) answers.push(await wrapped[name]!({ agentId: AGENT, messageId: 'm-1', name }));
    expect(answers).to.deep.equal(names);
    expect(calls.map(([name, argument]) => [name, (argument as { name: string }).name])).to.deep.equal(names.map((name) => [name, name]));
  });

  it('leaves out the optional methods the inner client lacks', () => {
    const wrapped = reportingUnreachable(recording(['sendMessage', 'sendEvent']).client, async () => undefined);
    expect(wrapped.inviteTester).to.equal(undefined);
    expect(wrapped.observe).to.equal(undefined);
    expect(wrapped.observeRateLimit).to.equal(undefined);
    expect(typeof wrapped.sendEvent).to.equal('function');
  });

  it('calls the inner method of the moment, bound to the inner client', async () => {
    const inner = new MemoryRbmClient();
    const wrapped = reportingUnreachable(inner, async () => undefined);
    expect(await wrapped.inviteTester!({ agentId: AGENT, phone: PHONE })).to.deep.include({ inviteStatus: 'PENDING' });
    expect(inner.testers).to.have.length(1);
    inner.getCapabilities = async () => ['REPLACED'];
    expect(await wrapped.getCapabilities({ agentId: AGENT, phone: PHONE })).to.deep.equal(['REPLACED']);
  });

  it('reports a send Google refused with 404, with the messageId it was given, before rejecting', async () => {
    const inner = new MemoryRbmClient();
    const refusal = new UserNotReachableError('not reachable', 404);
    inner.sendMessage = async () => {
      throw refusal;
    };
    const reports: Array<[string, unknown]> = [];
    const wrapped = reportingUnreachable(inner, async (request, error) => void reports.push([request.messageId, error]));
    const error = await rejection(wrapped.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('Hi') }));
    expect(error).to.equal(refusal);
    expect(reports).to.have.length(1);
    expect(reports[0]![0]).to.match(/^[0-9a-f-]{36}$/);
    expect(reports[0]![1]).to.equal(refusal);
  });
});
