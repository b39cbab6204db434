// Baseline: bare node:http, verification only.
import { createServer } from 'node:http';
import { announce, verifyPush } from './verify.js';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let ok = false;
    try {
      ok = verifyPush(JSON.parse(Buffer.concat(chunks).toString('utf8')), req.headers['x-goog-signature'] as string | undefined);
    } catch {
      ok = false;
    }
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? '{"status":"ok"}' : '{"error":"bad_signature"}');
  });
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
