import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { GoogleAuth, UserRefreshClient } from 'google-auth-library';
import { googleAuth, HttpRbmClient, messages } from 'rbmkit';
import { RBM_SCOPE } from 'rbmkit/advanced';
import { FakeRbmApi } from 'rbmkit/testing';

/** A loopback OAuth2 token endpoint that counts the tokens it hands out. */
async function tokenServer(expiresIn: number): Promise<{ url: string; issued: () => number; close: () => Promise<void> }> {
  let issued = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      issued += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: `token-${issued}`, expires_in: expiresIn, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    issued: () => issued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('google-auth-library wiring', () => {
  it('asks for the RBM scope', async () => {
    expect(RBM_SCOPE).to.equal('https://www.googleapis.com/auth/rcsbusinessmessaging');
    const auth = await googleAuth().auth();
    expect(auth).to.be.instanceOf(GoogleAuth);
    expect((auth as unknown as { scopes: unknown }).scopes).to.deep.equal([RBM_SCOPE]);
  });

  it('reads the credentials file named by GOOGLE_APPLICATION_CREDENTIALS (ADC)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rbmkit-adc-'));
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ type: 'authorized_user', client_id: 'id-123', client_secret: 'secret', refresh_token: 'refresh-abc' }));
    const previous = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    try {
      const client = await (await googleAuth().auth()).getClient();
      expect(client).to.be.instanceOf(UserRefreshClient);
      expect(client.credentials.refresh_token).to.equal('refresh-abc');
    } finally {
      if (previous === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = previous;
    }
  });

  it('caches the access token across calls and refreshes it once expired', async () => {
    const tokens = await tokenServer(3600);
    const api = await FakeRbmApi.start();
    try {
      const credential = new UserRefreshClient({ clientId: 'id', clientSecret: 'secret', refreshToken: 'refresh', endpoints: { oauth2TokenUrl: tokens.url } });
      const provider = googleAuth({ auth: new GoogleAuth({ authClient: credential, scopes: [RBM_SCOPE] }) });
      const client = new HttpRbmClient({ baseUrl: api.url, auth: provider });
      for (let i = 0; i < 5; i += 1) await client.sendMessage({ agentId: 'a@rbm.goog', phone: '+12223334444', message: messages.text(`m${i}`) });
      expect(tokens.issued()).to.equal(1);
      expect(new Set(api.requests.map((r) => r.headers.authorization))).to.deep.equal(new Set(['Bearer token-1']));

      // Expire it: the next call fetches a new one.
      credential.credentials.expiry_date = Date.now() - 1000;
      await client.sendMessage({ agentId: 'a@rbm.goog', phone: '+12223334444', message: messages.text('after expiry') });
      expect(tokens.issued()).to.equal(2);
      expect(api.requests.at(-1)!.headers.authorization).to.equal('Bearer token-2');
    } finally {
      await api.close();
      await tokens.close();
    }
  });
});
