// Baseline: Koa + @koa/router + koa-bodyparser, verification only: rbmkit's own stack, bare.
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { announce, verifyPush } from './verify.js';

const app = new Koa();
// Clients closing mid-response at the end of a run are not worth a stack trace.
app.silent = true;
const router = new Router();
router.post('/webhook', bodyParser(), (ctx) => {
  const ok = verifyPush(ctx.request.body, ctx.get('x-goog-signature') || undefined);
  ctx.status = ok ? 200 : 401;
  ctx.body = ok ? { status: 'ok' } : { error: 'bad_signature' };
});
app.use(router.routes());
const server = app.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
