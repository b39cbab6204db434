// The runtime names `rbmkit` exports: the short list a newcomer reads. A name added here is a
// decision (at most 45); building blocks belong in rbmkit/advanced.
import { expect } from 'chai';
import * as advanced from 'rbmkit/advanced';
import * as rbmkit from 'rbmkit';

const PUBLIC = 'AgentNotAllowedError BM_API_URL BmClient ConfigError HandlerTimeoutError HttpRbmClient InvalidRequestError MemoryDedupeStore MemoryRbmClient MemorySessionStore MessageLimitError NatsQueue PermanentError PluginError RBM_API_URL RBM_LIMITS RbmApiError RbmAuthError RbmNetworkError RbmRateLimitError RbmServerError RedisDedupeStore RedisSessionStore StoreUnavailableError UnsupportedByDeviceError UserNotReachableError bmClientFromEnv clientFromEnv createBot definePlugin googleAuth isPermanent maskPhone messages noAuth parseRecipientsCsv staticToken stopOnSignals suggestions'.split(' ');

describe('the public surface', () => {
  it('exports exactly the listed runtime names from rbmkit, at most 45', () => {
    expect(Object.keys(rbmkit).sort()).to.deep.equal([...PUBLIC].sort());
    expect(PUBLIC.length).to.be.at.most(45);
  });

  it('keeps the building blocks in rbmkit/advanced', () => {
    for (const name of ['validateConfig', 'loadConfigFile', 'PluginRegistry', 'isPlugin', 'EVENT_NAMES', 'LOCAL_API_URL', 'LOCAL_DEV_TOKEN', 'MemoryDeadLetters', 'NotReplayableError', 'QueueUnavailableError']) {
      expect(advanced, name).to.have.property(name);
      expect(rbmkit, name).not.to.have.property(name);
    }
  });
});
