import { expect } from 'chai';
import fc from 'fast-check';
import { safeEqual } from '../../core/webhook/safe-equal.js';
import { decodeBase64 } from '../../core/webhook/base64.js';

describe('decodeBase64', () => {
  it('decodes standard base64, padded or not', () => {
    expect(decodeBase64('aGk=')?.toString()).to.equal('hi');
    expect(decodeBase64('aGk')?.toString()).to.equal('hi');
    expect(decodeBase64('aGVsbG8/Pz4+')?.toString()).to.equal('hello??>>');
  });

  it('refuses what Node would silently skip', () => {
    for (const bad of ['not base64!', 'aGk=aGk=', 'a', 'aGk===', 'aG k=', 'aGVsbG8_Pz4-', 'aGk=\n', '=aGk', 'a=Gk']) {
      expect(decodeBase64(bad), bad).to.equal(undefined);
    }
  });

  it('takes only the canonical encoding of the bytes: no stray bits after the last byte', () => {
    // 'aGl=' and 'aGk=' decode to the same bytes; only the second is how an encoder writes them.
    expect(decodeBase64('aGl=')).to.equal(undefined);
    expect(decodeBase64('aB')).to.equal(undefined);
    expect(decodeBase64('aA')?.toString()).to.equal('h');
  });

  it('decodes every encoding of random bytes, padded or not, and only those among look-alikes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const padded = Buffer.from(bytes).toString('base64');
        expect(decodeBase64(padded)?.equals(Buffer.from(bytes))).to.equal(true);
        expect(decodeBase64(padded.replace(/=+$/, ''))?.equals(Buffer.from(bytes))).to.equal(true);
      }),
    );
    // Anything it takes is standard base64 by the letter of RFC 4648 (alphabet, groups of four, padding).
    const standard = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...'AQgwab+/=-_ \n'.split('')), { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        if (decodeBase64(text) !== undefined) expect(standard.test(text), text).to.equal(true);
      }),
      { numRuns: 20_000 },
    );
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
