import { expect } from 'chai';
import { multipartRelated, parseMultipartRelated } from '../../core/client/multipart-related.js';

describe('multipart/related, both ways', () => {
  it('reads back the parts it writes: the JSON metadata, then the bytes with their content type', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const { body, contentType } = multipartRelated({ agentId: 'shop@rbm.goog' }, { data: png, contentType: 'image/png' });
    const parts = parseMultipartRelated(contentType, body)!;
    expect(parts).to.have.length(2);
    expect(parts[0]!.headers['content-type']).to.equal('application/json; charset=UTF-8');
    expect(JSON.parse(parts[0]!.data.toString('utf8'))).to.deep.equal({ agentId: 'shop@rbm.goog' });
    expect(parts[1]!.headers).to.deep.equal({ 'content-type': 'image/png' });
    expect(parts[1]!.data).to.deep.equal(png);
  });

  it('takes a quoted boundary and a part without headers', () => {
    const parts = parseMultipartRelated('multipart/related; boundary="B"', Buffer.from('--B\r\n\r\nplain\r\n--B--\r\n'))!;
    expect(parts.map((part) => [part.headers, part.data.toString()])).to.deep.equal([[{}, 'plain']]);
  });

  it('answers undefined for a body that is not well formed', () => {
    expect(parseMultipartRelated('multipart/related', Buffer.from('--B\r\n\r\nx\r\n--B--'))).to.equal(undefined);
    expect(parseMultipartRelated('multipart/related; boundary=B', Buffer.from('no delimiter'))).to.equal(undefined);
    expect(parseMultipartRelated('multipart/related; boundary=B', Buffer.from('--B\r\nContent-Type: text/plain\r\n\r\nnot closed'))).to.equal(undefined);
    expect(parseMultipartRelated('multipart/related; boundary=B', Buffer.from('--B\r\nContent-Type: text/plain\r\n--B--'))).to.equal(undefined);
  });
});
