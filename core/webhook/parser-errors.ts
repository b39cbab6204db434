import type { Socket } from 'node:net';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

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
export function answerParserError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, error: code, message } = answerFor(error.code);
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
