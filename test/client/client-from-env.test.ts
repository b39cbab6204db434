import { expect } from 'chai';
import { clientFromEnv, ConfigError } from 'rbmkit';

describe('clientFromEnv', () => {
  it('with no credentials and no URL, runs locally against the chat fake API', () => {
    const choice = clientFromEnv({});
    expect(choice.local).to.equal(true);
    expect(choice.client.baseUrl).to.equal('http://127.0.0.1:8081');
    expect(choice.description).to.include('no Google credentials');
  });

  it('treats empty variables as unset', () => {
    expect(clientFromEnv({ RBM_API_URL: '', GOOGLE_APPLICATION_CREDENTIALS: '' }).local).to.equal(true);
  });

  it('with credentials, targets Google (regional on request); RBM_API_URL targets anything', () => {
    expect(clientFromEnv({ GOOGLE_APPLICATION_CREDENTIALS: '/k.json' }).client.baseUrl).to.equal('https://rcsbusinessmessaging.googleapis.com');
    expect(clientFromEnv({ GOOGLE_APPLICATION_CREDENTIALS: '/k.json', RBM_REGION: 'asia' }).client.baseUrl).to.equal('https://asia-rcsbusinessmessaging.googleapis.com');
    const proxied = clientFromEnv({ RBM_API_URL: 'http://127.0.0.1:9999' });
    expect([proxied.local, proxied.client.baseUrl]).to.deep.equal([false, 'http://127.0.0.1:9999']);
    expect(proxied.description).to.equal('replies go to http://127.0.0.1:9999 without credentials');
  });

  it("on Cloud Run or Cloud Functions (K_SERVICE), targets Google with the service's own account; RBM_API_URL still wins", () => {
    const cloud = clientFromEnv({ K_SERVICE: 'rbm-agent', RBM_REGION: 'europe' });
    expect([cloud.local, cloud.client.baseUrl]).to.deep.equal([false, 'https://europe-rcsbusinessmessaging.googleapis.com']);
    expect(cloud.description).to.include("this service's own account");
    expect(clientFromEnv({ K_SERVICE: 'rbm-agent', RBM_API_URL: 'http://127.0.0.1:9999' }).description).to.equal('replies go to http://127.0.0.1:9999 without credentials');
  });

  it('refuses a bad region or traffic type, naming the valid ones', () => {
    expect(() => clientFromEnv({ RBM_REGION: 'mars' })).to.throw(ConfigError, 'RBM_REGION: expected one of us, europe, asia, got "mars"');
    expect(() => clientFromEnv({ RBM_TRAFFIC_TYPE: 'SPAM' })).to.throw(ConfigError, 'RBM_TRAFFIC_TYPE: expected one of AUTHENTICATION, TRANSACTION');
  });
});
