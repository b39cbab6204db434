import { expect } from 'chai';
import { HttpRbmClient, MemoryRbmClient, messages, noAuth } from 'rbmkit';
import { FakeRbmApi } from 'rbmkit/testing';
import { RATE_LIMITED_CALLS } from '../../core/client/call-rate-limiter.js';
import { matchRbmCall, rbmCallPath } from '../../core/client/rbm-call-path.js';
import { RBM_CALL_METHODS, RBM_CALLS, type RbmCallName } from '../../core/client/rbm-calls.js';
import { clientSettingsSchema } from '../../core/config/config-schema.js';

const PHONE = '+12223334444';
const AGENT = 'shop@rbm.goog';

describe('RBM_CALLS: one row per RBM API call', () => {
  it('lists each call with its HTTP method and path as Google documents them', () => {
    const routes = Object.fromEntries(Object.entries(RBM_CALLS).map(([name, call]) => [name, `${call.http} ${call.path}`]));
    expect(routes).to.deep.equal({
      batchGetCapabilities: 'POST /v1/users:batchGet',
      sendMessage: 'POST /v1/phones/{phone}/agentMessages',
      sendEvent: 'POST /v1/phones/{phone}/agentEvents',
      revokeMessage: 'DELETE /v1/phones/{phone}/agentMessages/{messageId}',
      getCapabilities: 'GET /v1/phones/{phone}/capabilities',
      uploadFileByUrl: 'POST /v1/files',
      uploadFileBytes: 'POST /upload/v1/files',
      inviteTester: 'POST /v1/testers',
    });
  });

  it('derives the paced kinds (in their documented order) and the client methods', () => {
    expect(RATE_LIMITED_CALLS).to.deep.equal(['batchGet', 'messages', 'events']);
    expect(RBM_CALL_METHODS).to.deep.equal(['batchGetCapabilities', 'sendMessage', 'sendEvent', 'revokeMessage', 'getCapabilities', 'uploadFile', 'inviteTester']);
    for (const method of RBM_CALL_METHODS) expect(typeof new MemoryRbmClient()[method], method).to.equal('function');
  });

  it('gives the config a rate-limit key per paced kind, then maxWaitMs', () => {
    const rateLimits = clientSettingsSchema.safeParse({ rateLimits: { files: { calls: 1, perMs: 1 } } });
    expect(rateLimits.success).to.equal(false);
    expect(rateLimits.error!.issues[0]!.message).to.include('expected only: batchGet, messages, events, maxWaitMs');
  });

  it('fills a path: a phone number as is, any other value escaped', () => {
    expect(rbmCallPath('sendMessage', { phone: PHONE })).to.equal(`/v1/phones/${PHONE}/agentMessages`);
    expect(rbmCallPath('revokeMessage', { phone: PHONE, messageId: 'a/b+c' })).to.equal(`/v1/phones/${PHONE}/agentMessages/a%2Fb%2Bc`);
    expect(rbmCallPath('batchGetCapabilities', {})).to.equal('/v1/users:batchGet');
  });

  it('matches each filled path back to its call, its values as they arrived; nothing else', () => {
    const filled: Record<RbmCallName, string> = {
      batchGetCapabilities: rbmCallPath('batchGetCapabilities', {}),
      sendMessage: rbmCallPath('sendMessage', { phone: PHONE }),
      sendEvent: rbmCallPath('sendEvent', { phone: PHONE }),
      revokeMessage: rbmCallPath('revokeMessage', { phone: PHONE, messageId: 'm 1' }),
      getCapabilities: rbmCallPath('getCapabilities', { phone: PHONE }),
      uploadFileByUrl: rbmCallPath('uploadFileByUrl', {}),
      uploadFileBytes: rbmCallPath('uploadFileBytes', {}),
      inviteTester: rbmCallPath('inviteTester', {}),
    };
    for (const [name, path] of Object.entries(filled)) expect(matchRbmCall(RBM_CALLS[name as RbmCallName].http, path)?.call, path).to.equal(name);
    expect(matchRbmCall('DELETE', filled.revokeMessage)).to.deep.equal({ call: 'revokeMessage', params: { phone: PHONE, messageId: 'm%201' } });
    expect(matchRbmCall('GET', filled.sendMessage)).to.equal(undefined);
    expect(matchRbmCall('POST', '/v1/users:batchGetX')).to.equal(undefined);
    expect(matchRbmCall('POST', `/v1/phones/${PHONE}/agentMessages/extra/more`)).to.equal(undefined);
  });

  it('is what the HTTP client sends and the fake answers: every call of every method goes through', async () => {
    const api = await FakeRbmApi.start();
    try {
      const client = new HttpRbmClient({ baseUrl: api.url, businessCommunicationsUrl: api.url, auth: noAuth(), maxAttempts: 1 });
      const { messageId } = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('Hi') });
      await client.sendEvent({ agentId: AGENT, phone: PHONE, event: { eventType: 'IS_TYPING' } });
      await client.revokeMessage({ agentId: AGENT, phone: PHONE, messageId });
      await client.getCapabilities({ agentId: AGENT, phone: PHONE });
      await client.batchGetCapabilities({ agentId: AGENT, phones: [PHONE] });
      await client.uploadFile({ agentId: AGENT, fileUrl: 'https://example.com/a.png' });
      await client.uploadFile({ agentId: AGENT, data: Buffer.from('PNG'), contentType: 'image/png' });
      await client.inviteTester({ agentId: AGENT, phone: PHONE });
      const served = api.requests.map((request) => [matchRbmCall(request.method, request.path)?.call, request.status]);
      expect(served).to.deep.equal(['sendMessage', 'sendEvent', 'revokeMessage', 'getCapabilities', 'batchGetCapabilities', 'uploadFileByUrl', 'uploadFileBytes', 'inviteTester'].map((call) => [call, 200]));
      for (const request of api.requests) {
        const call = RBM_CALLS[matchRbmCall(request.method, request.path)!.call];
        expect(Object.keys(request.query), request.path).to.deep.equal([...call.query]);
      }
    } finally {
      await api.close();
    }
  });
});
