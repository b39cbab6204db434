import { expect } from 'chai';
import { safeEqual } from '../../core/webhook/safe-equal.js';
import { decodeBase64 } from '../../core/webhook/base64.js';

describe('decodeBase64', () => {
  it('decodes standard base64, padded or not', () => {
    expect(decodeBase64('aGk=')?.toString()).to.equal('hi');
    expect(decodeBase64('aGk')?.toString()).to.equal('hi');
    expect(decodeBase64('aGVsbG8/Pz4+')?.toString()).to.equal('hello??>>');
  });

  it('refuses what Node would silently skip', () => {
    for (const bad of ['not base64!', 'aGk=aGk=', 'a', 'aGk===', 'aG k=', 'aGVsbG8_Pz4-']) {
      expect(decodeBase64(bad), bad).to.equal(undefined);
    }
  });
});

describe('safeEqual', () => {
  it('is true only for the same string', () => {
    expect(safeEqual('SJENCPGJESMGUFPY', 'SJENCPGJESMGUFPY')).to.equal(true);
    expect(safeEqual('SJENCPGJESMGUFPY', 'SJENCPGJESMGUFPX')).to.equal(false);
    expect(safeEqual('SJENCPGJESMGUFPY', 'SJENCPGJESMGUFP')).to.equal(false);
    expect(safeEqual('SJENCPGJESMGUFPY', '')).to.equal(false);
  });
});
