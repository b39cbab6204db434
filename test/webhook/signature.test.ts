import { expect } from 'chai';
import { signData, signingKey, verifySignature } from 'rbmkit/advanced';

// An independently checked test vector of Google's signing (Google's pages give none):
// HMAC-SHA512 of the decoded message.data, keyed with the clientToken, base64.
const TOKEN = 'SJENCPGJESMGUFPY';
const DATA = Buffer.from(
  '{"agentId":"AGENT_ID","senderPhoneNumber":"+12223334444","messageId":"MESSAGE_ID","sendTime":"2018-12-31T15:01:23.045123456Z","text":"Hello, world!"}',
  'utf8',
);
const SIGNATURE = 'jD4t7DhLA1bVNi0CO6sJpVGdi6a8XQhXp/o/tToUy1be71CeCIQs6Pw065Ld26SaLOiyhAibzq4h4K2ia5gR9Q==';

describe('signature', () => {
  it('signs the test vector to its checked signature', () => {
    expect(signData(TOKEN, DATA)).to.equal(SIGNATURE);
  });

  it('verifies the test vector', () => {
    expect(verifySignature([signingKey(TOKEN)], DATA, SIGNATURE)).to.equal(true);
  });

  it('accepts any of several tokens, so a token can be rotated', () => {
    expect(verifySignature([signingKey('OLD-TOKEN'), signingKey(TOKEN)], DATA, SIGNATURE)).to.equal(true);
    expect(verifySignature([signingKey(TOKEN), signingKey('NEW-TOKEN')], DATA, SIGNATURE)).to.equal(true);
  });

  it('refuses a wrong token', () => {
    expect(verifySignature([signingKey('WRONGTOKEN')], DATA, SIGNATURE)).to.equal(false);
  });

  it('refuses other bytes under the same signature', () => {
    const tampered = Buffer.from(DATA.toString('utf8').replace('Hello', 'Hallo'));
    expect(verifySignature([signingKey(TOKEN)], tampered, SIGNATURE)).to.equal(false);
  });

  it('refuses a missing, empty, truncated, garbled or padded-out signature', () => {
    const key = [signingKey(TOKEN)];
    expect(verifySignature(key, DATA, undefined)).to.equal(false);
    expect(verifySignature(key, DATA, '')).to.equal(false);
    expect(verifySignature(key, DATA, SIGNATURE.slice(0, 40))).to.equal(false);
    expect(verifySignature(key, DATA, SIGNATURE.slice(0, -2))).to.equal(false);
    expect(verifySignature(key, DATA, `!${SIGNATURE.slice(1)}`)).to.equal(false);
    expect(verifySignature(key, DATA, `${SIGNATURE}AAAA`)).to.equal(false);
    expect(verifySignature(key, DATA, `${SIGNATURE}, ${SIGNATURE}`)).to.equal(false);
  });

  it('refuses everything when the webhook has no key', () => {
    expect(verifySignature([], DATA, SIGNATURE)).to.equal(false);
  });
});
