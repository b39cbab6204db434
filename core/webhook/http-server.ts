import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { TIMED_OUT, withinDeadline } from '../dispatch/deadline.js';
import { BodyBudget, overBudgetMessage } from './body-budget.js';
import { answerParserError, answerRawJson } from './parser-errors.js';

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

/** The memory bodies may take while they are read and parsed. */
export interface BodyGuard {
  /** Largest accepted body, in bytes: what a chunked or compressed body is charged. */
  readonly bodyLimit: number;
  /** Bytes of bodies read at once, at most; past it, requests get 503 unread. */
  readonly budget: BodyBudget;
}

/**
 * Answers JSON from a request listener without reading the body, closing the connection.
 *
 * @example
 * answerJson(res, 503, 'overloaded', 'too many bodies at once; expected a retry later', { 'Retry-After': '1' });
 */
export function answerJson(res: ServerResponse, status: number, error: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error, message });
  res.shouldKeepAlive = false;
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/**
 * The listener behind a body budget: a request whose body does not fit is answered 503 at
 * once, unread; the others are charged until their answer is done.
 *
 * @example
 * createServer(budgeted(app.callback(), new BodyBudget(64 * 1024 * 1024), 1024 * 1024));
 */
export function budgeted(listener: RequestListener, budget: BodyBudget, bodyLimit: number): RequestListener {
  return (req, res) => {
    if (budget.admit(req, res, bodyLimit)) return listener(req, res);
    answerOverBudget(res, budget);
  };
}

function answerOverBudget(res: ServerResponse, budget: BodyBudget): void {
  answerJson(res, 503, 'overloaded', overBudgetMessage(budget), { 'Retry-After': '1' });
}

/** `Expect` other than 100-continue: 417, as JSON. */
function answerExpectation(_req: IncomingMessage, res: ServerResponse): void {
  answerJson(res, 417, 'expectation_failed', 'expected no Expect header, or Expect: 100-continue');
}

/** CONNECT is no method of a webhook: 405, as JSON, and the connection closed. */
function answerConnect(_req: IncomingMessage, socket: Duplex): void {
  answerRawJson(socket, 405, 'method_not_allowed', 'expected POST: this is an RBM webhook, not a proxy', 'Allow: POST\r\n');
}

/**
 * The node:http server of one bot: listens once with timeouts against slow clients and JSON
 * answers for requests the parser refuses; closes by answering what is in flight, then
 * dropping idle and, past a grace period, all connections.
 *
 * @example
 * const server = new WebhookServer(app.callback(), { headersTimeoutMs: 5_000 }, { bodyLimit, budget: new BodyBudget(64 * 1024 * 1024) });
 * const { url } = await server.listen(8080, '127.0.0.1');
 * await server.close(() => dispatcher.drain());
 */
export class WebhookServer {
  private server: Server | undefined;
  /** The bytes of bodies being read now, when a body guard is set. */
  readonly budget: BodyBudget | undefined;

  constructor(
    private readonly listener: RequestListener,
    private readonly timeouts: ServerTimeouts = {},
    private readonly guard?: BodyGuard,
  ) {
    this.budget = guard?.budget;
  }

  /** Starts listening; port 0 picks a free one. Rejects with the system error (EADDRINUSE…). */
  async listen(port = 0, host?: string): Promise<Listening> {
    if (this.server !== undefined) throw new Error('bot.listen(): already listening; expected one listen per bot');
    const headersTimeout = this.timeouts.headersTimeoutMs ?? CONFIG_DEFAULTS['server.headersTimeoutMs'];
    const server = createServer(
      {
        headersTimeout,
        requestTimeout: Math.max(this.timeouts.requestTimeoutMs ?? CONFIG_DEFAULTS['server.requestTimeoutMs'], headersTimeout),
        // How often those two are checked (Node's default is 30 s).
        connectionsCheckingInterval: Math.min(1_000, headersTimeout),
        // A webhook does not need Host; without this, Node answers its absence with a bare 400.
        requireHostHeader: false,
      },
      this.budget === undefined ? this.listener : budgeted(this.listener, this.budget, this.guard!.bodyLimit),
    );
    server.on('clientError', answerParserError);
    server.on('checkExpectation', answerExpectation);
    server.on('connect', answerConnect);
    const budget = this.budget;
    if (budget !== undefined) {
      // Expect: 100-continue: no "continue" for a body that would not fit.
      server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
        if (!budget.admit(req, res, this.guard!.bodyLimit)) return answerOverBudget(res, budget);
        res.writeContinue();
        this.listener(req, res);
      });
    }
    server.keepAliveTimeout = this.timeouts.keepAliveTimeoutMs ?? CONFIG_DEFAULTS['server.keepAliveTimeoutMs'];
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
