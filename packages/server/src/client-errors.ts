import http from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '@orrery/core';

/**
 * Answers requests Node's HTTP parser refuses before any route (or Fastify) sees them: headers
 * over the size limit, a malformed Content-Length, a request line that is not HTTP, a request
 * that took too long to arrive. They get the same `{error_code, message}` body as every other
 * error, so MLflow's clients and ours can read them; the connection is closed afterwards, since
 * the parser cannot tell where the next request would start.
 */

interface ClientErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Node's parser errors (`HPE_*`) that are about the Content-Length or the body's framing. */
const FRAMING_ERRORS = new Set(['HPE_INVALID_CONTENT_LENGTH', 'HPE_UNEXPECTED_CONTENT_LENGTH', 'HPE_INVALID_TRANSFER_ENCODING', 'HPE_INVALID_CHUNK_SIZE']);

function describeClientError(error: NodeJS.ErrnoException): ClientErrorAnswer {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      code: 'REQUEST_LIMIT_EXCEEDED',
      message:
        `The request's line and headers are too large: at most ${http.maxHeaderSize} bytes are allowed. ` +
        'Send long filters and lists in the JSON body of a POST instead of the query string.',
    };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'BAD_REQUEST', message: 'The request did not arrive completely in time; send it again.' };
  }
  if (error.code !== undefined && FRAMING_ERRORS.has(error.code)) {
    return {
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
      message: `Malformed request: invalid Content-Length or Transfer-Encoding header (${error.message}). Content-Length must be one non-negative decimal number matching the body's size.`,
    };
  }
  return { status: 400, code: 'INVALID_PARAMETER_VALUE', message: `Malformed HTTP request: ${error.message}.` };
}

/** A `clientError` handler for the HTTP server (Fastify's `clientErrorHandler` option). */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset or destroyed connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const answer = describeClientError(error);
    const body = JSON.stringify({ error_code: answer.code, message: answer.message });
    socket.write(
      `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? 'Error'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
