import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

/** One Server-Sent Events stream, open until the browser leaves or `close()`. */
export interface EventStream {
  /** Sends one event: its name, JSON data, and an id the browser sends back on reconnecting. */
  send(event: string, data: unknown, id?: string): void;
  close(): void;
  /** Called once the stream ended, whoever ended it. */
  onClose(listener: () => void): void;
}

/**
 * Answers a Koa request with a Server-Sent Events stream (`text/event-stream`), with a comment
 * every `heartbeatMs` so idle proxies keep it open.
 *
 * @example
 * router.get('/events', (ctx) => {
 *   const stream = openEventStream(ctx);
 *   stream.send('hello', { at: Date.now() });
 * });
 */
export function openEventStream(ctx: Context, heartbeatMs = 15_000): EventStream {
  const body = new PassThrough();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = body;
  const listeners: Array<() => void> = [];
  let open = true;
  const heartbeat = setInterval(() => body.write(': keep-alive\n\n'), heartbeatMs);
  heartbeat.unref();
  const end = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    body.end();
    for (const listener of listeners) listener();
  };
  ctx.req.on('close', end);
  ctx.res.on('close', end);
  body.write('retry: 1000\n\n');
  return {
    send(event, data, id) {
      if (!open) return;
      body.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close: end,
    onClose: (listener) => void listeners.push(listener),
  };
}
