import { expect } from 'chai';
import type { Context } from 'koa';
import { signData, signingKey } from 'rbmkit/advanced';
import { BM_DIALECT } from '../../core/webhook/dialects/bm-dialect.js';
import { RBM_DIALECT } from '../../core/webhook/dialects/rbm-dialect.js';
import { REJECTIONS, rejectionFor } from '../../core/webhook/rejections.js';
import { acknowledges, respondRejection } from '../../core/webhook/respond.js';

const TOKEN = 'DIALECTSTOKEN001';
const KEYS = [signingKey(TOKEN)];

/** The little of a Koa context the dialects read. */
function contextOf(body: unknown, rawBody?: string): Context {
  return { request: { body, rawBody } } as unknown as Context;
}

describe('webhook dialects', () => {
  describe('RBM', () => {
    const data = Buffer.from(JSON.stringify({ agentId: 'shop@rbm.goog', senderPhoneNumber: '+15551234567', messageId: 'M1', text: 'hi' }));
    const body = { message: { data: data.toString('base64'), messageId: 'P1', attributes: { type: 'message' } }, subscription: 'S' };

    it('reads a push, forgets the raw text, and verifies the decoded data', () => {
      const ctx = contextOf(body, JSON.stringify(body));
      const push = RBM_DIALECT.read(ctx);
      expect(ctx.request.rawBody).to.equal(undefined);
      if (push.kind !== 'push') throw new Error(`expected a push, got ${push.kind}`);
      const signed = RBM_DIALECT.signed(ctx, push);
      expect(Buffer.from(signed).equals(data)).to.equal(true);
      expect(RBM_DIALECT.verify(KEYS, signed, signData(TOKEN, data))).to.equal(true);
      expect(RBM_DIALECT.verify(KEYS, signed, signData('OTHERTOKEN000001', data))).to.equal(false);
      expect(RBM_DIALECT.claimedAgent(push, signed)).to.equal('shop@rbm.goog');
      expect(RBM_DIALECT.bytes(signed)).to.equal(signed);
      const info = RBM_DIALECT.pushInfo(push, '/webhook');
      expect(info).to.include({ pushId: 'P1', subscription: 'S', webhook: '/webhook' });
      const decoded = RBM_DIALECT.data(push, signed);
      if (typeof decoded === 'string') throw new Error(`expected a JSON object, got: ${decoded}`);
      expect(RBM_DIALECT.event(decoded, info)).to.include({ agentId: 'shop@rbm.goog' });
    });

    it('refuses empty data with 400 bad_base64, and names what is wrong with data that is no JSON object', () => {
      const ctx = contextOf({ message: { data: '' } });
      const push = RBM_DIALECT.read(ctx);
      if (push.kind !== 'push') throw new Error(`expected a push, got ${push.kind}`);
      expect(() => RBM_DIALECT.signed(ctx, push)).to.throw().with.property('code', 'bad_base64');
      expect(RBM_DIALECT.data(push, Buffer.from('[1]'))).to.match(/^expected message.data to decode to a JSON object/);
      expect(RBM_DIALECT.data(push, Buffer.from([0xff]))).to.match(/not valid UTF-8/);
    });

    it('tells a handshake apart', () => {
      expect(RBM_DIALECT.read(contextOf({ clientToken: TOKEN, secret: '7' }))).to.deep.equal({ kind: 'handshake', clientToken: TOKEN, secret: '7' });
    });
  });

  describe('Business Messages', () => {
    const event = { agent: 'brands/B/agents/A', conversationId: 'C1', requestId: 'R1', message: { messageId: 'M1', text: 'hi' } };
    const raw = JSON.stringify(event);

    it('verifies the raw body text, and takes the body itself as the data', () => {
      const ctx = contextOf(event, raw);
      const body = BM_DIALECT.read(ctx);
      if (body.kind !== 'bm') throw new Error(`expected an event body, got ${body.kind}`);
      const signed = BM_DIALECT.signed(ctx, body);
      expect(BM_DIALECT.verify(KEYS, signed, signData(TOKEN, Buffer.from(raw)))).to.equal(true);
      expect(BM_DIALECT.claimedAgent(body, signed)).to.equal('brands/B/agents/A');
      expect(BM_DIALECT.data(body, signed)).to.equal(body.data);
      expect(Buffer.from(BM_DIALECT.bytes(signed)).toString('utf8')).to.equal(raw);
      const info = BM_DIALECT.pushInfo(body, '/bm');
      expect(Object.isFrozen(info.attributes)).to.equal(true);
      expect(BM_DIALECT.event(body.data, info)).to.include({ dialect: 'business-messages', conversationId: 'C1' });
    });

    it('fails verification when no raw text was kept', () => {
      const ctx = contextOf(event);
      const body = BM_DIALECT.read(ctx);
      if (body.kind !== 'bm') throw new Error(`expected an event body, got ${body.kind}`);
      expect(BM_DIALECT.signed(ctx, body)).to.equal(undefined);
      expect(BM_DIALECT.verify(KEYS, undefined, signData(TOKEN, Buffer.from(raw)))).to.equal(false);
    });
  });
});

describe('webhook rejections', () => {
  it('has every reason for every dialect, Business Messages words only where the dialects differ', () => {
    expect(Object.keys(REJECTIONS['business-messages'])).to.have.members(Object.keys(REJECTIONS.rbm));
    for (const reason of ['bad_client_token', 'too_old'] as const) expect(rejectionFor('business-messages', reason)).to.equal(rejectionFor('rbm', reason));
    for (const reason of ['missing_signature', 'bad_signature', 'agent_mismatch', 'missing_agent_id'] as const) {
      expect(rejectionFor('business-messages', reason).status).to.equal(rejectionFor('rbm', reason).status);
      expect(rejectionFor('business-messages', reason).message).not.to.equal(rejectionFor('rbm', reason).message);
    }
    expect(rejectionFor(undefined, 'missing_agent_id')).to.equal(REJECTIONS.rbm.missing_agent_id);
  });

  it('acknowledges too_old always, a signature failure only by policy, a wrong handshake never', () => {
    expect(acknowledges(200, false, 'reject')).to.equal(true);
    expect(acknowledges(401, false, 'reject')).to.equal(false);
    expect(acknowledges(401, false, 'acknowledge')).to.equal(true);
    expect(acknowledges(401, true, 'acknowledge')).to.equal(false);
    expect(acknowledges(403, false, 'acknowledge')).to.equal(false);
  });

  it('answers an acknowledged refusal 200 dropped, and throws the others', () => {
    const ctx = {} as Context;
    respondRejection(ctx, 'too_old', 200, 'old', true);
    expect(ctx).to.deep.include({ status: 200, body: { status: 'dropped', reason: 'too_old' } });
    expect(() => respondRejection({} as Context, 'bad_signature', 401, 'expected a signature', false))
      .to.throw('expected a signature')
      .that.includes({ status: 401, code: 'bad_signature' });
  });
});
