// Baseline: the style of Google's own sample: Express, body-parser, signatures compared with ===.
import bodyParser from 'body-parser';
import { createHmac } from 'node:crypto';
import express from 'express';
import { announce, TOKEN } from './verify.js';

const app = express();
app.use(bodyParser.json());
app.post('/webhook', (req, res) => {
  const data = (req.body as { message?: { data?: string } }).message?.data ?? '';
  const expected = createHmac('sha512', TOKEN).update(Buffer.from(data, 'base64')).digest('base64');
  if (req.header('x-goog-signature') === expected) res.status(200).json({ status: 'ok' });
  else res.status(401).json({ error: 'bad_signature' });
});
const server = app.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
