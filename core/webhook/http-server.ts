import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TIMED_OUT, withinDeadline } from '../dispatch/deadline.js';
import { answerParserError } from './parser-errors.js';

/** Where a listening bot can be reached. */
export interface Listening {
  readonly port: number;
  readonly host: string;
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
}

/** Timeouts of the server, against slow clients. */
export interface ServerTimeouts {
  /** To receive a request's headers. Default 15,000 ms. */
  readonly headersTimeoutMs?: number;
  /** To receive a whole request. Default 30,000 ms. */
  readonly requestTimeoutMs?: number;
  /** An idle kept-alive connection. Default 65,000 ms (longer than common load balancers' 60 s). */
  readonly keepAliveTimeoutMs?: number;
}

/**
 * The node:http server of one bot: listens once with timeouts against slow clients and JSON
 * answers for requests the parser refuses; closes by answering what is in flight, then
 * dropping idle and, past a grace period, all connections.
 *
 * @example
 * const server = new WebhookServer(app.callback(), { headersTimeoutMs: 5_000 });
 * const { url } = await server.listen(8080, '127.0.0.1');
 * await server.close(() => dispatcher.drain());
 */
export class WebhookServer {
  private server: Server | undefined;

  constructor(
    private readonly listener: RequestListener,
    private readonly timeouts: ServerTimeouts = {},
  ) {}

  /** Starts listening; port 0 picks a free one. Rejects with the system error (EADDRINUSE…). */
  async listen(port = 0, host?: string): Promise<Listening> {
    if (this.server !== undefined) throw new Error('bot.listen(): already listening; expected one listen per bot');
    const headersTimeout = this.timeouts.headersTimeoutMs ?? 15_000;
    const server = createServer(
      {
        headersTimeout,
        requestTimeout: Math.max(this.timeouts.requestTimeoutMs ?? 30_000, headersTimeout),
        // How often those two are checked (Node's default is 30 s).
        connectionsCheckingInterval: Math.min(1_000, headersTimeout),
        // A webhook does not need Host; without this, Node answers its absence with a bare 400.
        requireHostHeader: false,
      },
      this.listener,
    );
    server.on('clientError', answerParserError);
    server.keepAliveTimeout = this.timeouts.keepAliveTimeoutMs ?? 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { port: address.port, host: address.address, url: `http://${shownHost}:${address.port}` };
  }

  /**
   * Stops accepting connections, runs `drain` (the work in flight), then waits up to
   * `graceMs` for connections to end before cutting them.
   */
  async close(drain: () => Promise<void>, graceMs = 2_000): Promise<void> {
    const open = this.server;
    const closed = open === undefined ? Promise.resolve() : new Promise<void>((resolve) => open.close(() => resolve()));
    // A connection busy now goes idle later: sweep until all are gone.
    const sweep = open === undefined ? undefined : setInterval(() => open.closeIdleConnections(), 25);
    open?.closeIdleConnections();
    try {
      await drain();
      if ((await withinDeadline(closed, graceMs)) === TIMED_OUT) open?.closeAllConnections();
    } finally {
      clearInterval(sweep);
    }
  }
}
