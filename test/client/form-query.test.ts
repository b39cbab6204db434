import { expect } from 'chai';
import { formQuery } from '../../core/client/form-query.js';
import { maskSegment } from '../../core/client/mask-segment.js';

// Both replace a general-purpose tool on every API call: each must write exactly what the tool wrote.
const TEXTS = ['', 'm-1', 'shop@rbm.goog', "a b!'()~*-._", 'ü/?#&=+%', '日本 語', 'x\uD800y', '\uDC00', '0123e4567-e89b-12d3-a456-426614174000'];

describe('formQuery', () => {
  it('writes what URLSearchParams writes, keys and values alike', () => {
    for (const text of TEXTS) {
      const query = { messageId: text, [text]: 'v', agentId: 'shop@rbm.goog' };
      expect(formQuery(query), JSON.stringify(text)).to.equal(new URLSearchParams(query).toString());
    }
  });

  it('writes nothing for an empty query', () => {
    expect(formQuery({})).to.equal('');
  });
});

describe('maskSegment', () => {
  const PATHS = ['/v1/phones/+12223334444/agentMessages', '/v1/phones/+1', '/v1/phones/', '/v1/phones//x/phones/+1/y', '/v1/files', '/phones/a/phones/b', '/v1/phones', ''];

  it('masks what the regular expression masked', () => {
    for (const path of PATHS) expect(maskSegment(path, '/phones/'), path).to.equal(path.replace(/\/phones\/[^/]+/, '/phones/*'));
  });
});
