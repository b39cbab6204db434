import { expect } from 'chai';
import { maskPhone } from 'rbmkit';

describe('maskPhone', () => {
  it('keeps the country side and the last two digits, masking the rest', () => {
    expect(maskPhone('+12223334444')).to.equal('+122******44');
    expect(maskPhone('+442071234567')).to.equal('+442*******67');
  });

  it('masks short values whole and leaves nothing to mask alone', () => {
    expect(maskPhone('+12345')).to.equal('******');
    expect(maskPhone('')).to.equal('');
    expect(maskPhone(undefined)).to.equal('');
  });
});
