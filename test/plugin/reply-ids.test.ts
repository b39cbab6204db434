import { expect } from 'chai';
import { v5 } from 'uuid';
import { nameDigest, nameUuid, RBMKIT_NAMESPACE } from '../../core/plugin/reply-ids.js';

describe('nameUuid', () => {
  it('is the RFC 4122 version-5 UUID the uuid package computes, for any name', () => {
    for (const name of ['', 'a', 'shop@rbm.goog|+12223334444|MSG-1|echo|text|message|1', 'thực đơn', 'x'.repeat(1000)]) {
      expect(nameUuid(name)).to.equal(v5(name, RBMKIT_NAMESPACE));
    }
  });

  it('is stable for one name and differs between names', () => {
    expect(nameUuid('a')).to.equal(nameUuid('a'));
    expect(nameUuid('a')).not.to.equal(nameUuid('b'));
    expect(nameUuid('a')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('names a series from one digest: distinct, stable, valid version-5 UUIDs', () => {
    const digest = nameDigest('agent|+1|event|plugin|text');
    const series = Array.from({ length: 1000 }, (_, i) => nameUuid(digest, i + 1));
    expect(new Set(series).size).to.equal(1000);
    expect(nameUuid(nameDigest('agent|+1|event|plugin|text'), 7)).to.equal(series[6]);
    for (const id of series) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
