import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser error codes, as the answer a client should get. */
function answerFor(code: string | undefined): { status: number; error: string; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'headers_too_large', message: 'expected request headers of at most 16 KiB' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'request_timeout', message: 'expected the whole request sooner' };
    default:
      return { status: 400, error: 'bad_request', message: 'expected a well-formed HTTP/1.1 request' };
  }
}

/**
 * Answers a request Node's HTTP parser refused (bad headers, too-large headers, a slow
 * client) with a JSON error body like every other refusal, then closes the connection.
 *
 * @example
 * server.on('clientError', answerParserError);
 */
export function answerParserError(error: Error & { code?: string }, socket: Duplex): void {
  const { status, error: code, message } = answerFor(error.code);
  answerRawJson(socket, status, code, message);
}

/**
 * Writes a whole JSON error answer `{"error","message"}` straight to a socket no request
 * listener will answer (a parser error, CONNECT), then closes it.
 *
 * @example
 * answerRawJson(socket, 405, 'method_not_allowed', 'expected POST', 'Allow: POST\r\n');
 */
export function answerRawJson(socket: Duplex, status: number, error: string, message: string, extraHeaders = ''): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${extraHeaders}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
