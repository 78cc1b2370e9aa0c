import { IdemConfig } from '@app/config';
import { IdemError, IdemErrorCode } from '@app/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { jsonNestsDeeperThan } from './json-depth';
import { RequestValidationError } from './request-validation.error';

/** What the API accepts from one request, beside `IDEM_MAX_PAYLOAD_BYTES` for the body. */
export const REQUEST_LIMITS = {
  /** All header lines together, request line included; larger is a 431 from Node's parser. */
  maxHeaderBytes: 16 * 1024,
  /** Header fields; more is a 431. */
  maxHeaderCount: 100,
  /** Time for a client to send its headers, then for the whole request. Slower is a 408. */
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  /** Objects and arrays inside each other in a JSON body; deeper is a 422 before the body is parsed. */
  maxJsonDepth: 64,
} as const;

/**
 * Puts the limits on the HTTP server and in front of every route: header size, count and timeouts,
 * JSON only (UTF-8, not compressed), the body size and its nesting depth. Each refusal is answered
 * in Svix's error shape. Called once, before the application starts listening.
 */
export function applyRequestLimits(app: NestExpressApplication, config: IdemConfig): void {
  const server = app.getHttpServer() as Server & { maxHeaderSize?: number };
  // Node reads these per connection, so setting them on the created server is enough.
  server.maxHeaderSize = REQUEST_LIMITS.maxHeaderBytes;
  server.headersTimeout = REQUEST_LIMITS.headersTimeoutMs;
  server.requestTimeout = REQUEST_LIMITS.requestTimeoutMs;
  server.on('clientError', answerClientError);

  app.use(refuseTooManyHeaders);
  app.use(refuseBodiesOtherThanJson);
  app.useBodyParser('json', {
    limit: config.maxPayloadBytes,
    inflate: false,
    verify: (_request: IncomingMessage, _response: unknown, body: Buffer) => {
      if (jsonNestsDeeperThan(body, REQUEST_LIMITS.maxJsonDepth)) {
        throw new RequestValidationError([
          { loc: ['body'], msg: `JSON may nest objects and arrays at most ${REQUEST_LIMITS.maxJsonDepth} deep`, type: 'value_error.json.depth' },
        ]);
      }
    },
  });
  app.use(withoutQuotedBody);
}

/**
 * The body parser's error for invalid JSON is V8's, which quotes the text around the mistake
 * (`Unexpected token 'w', ..."secret":whsec_abc"...`): a signing secret or token could be in it, and
 * Nest would answer with it as is. Only the position is passed on.
 */
function withoutQuotedBody(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  if ((error as { type?: unknown } | null)?.type !== 'entity.parse.failed') return next(error);
  const position = /at position (\d+)/.exec((error as Error).message)?.[1];
  next(new IdemError(IdemErrorCode.BadRequest, `The request body is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`));
}

function refuseTooManyHeaders(request: Request, _response: Response, next: NextFunction): void {
  const count = request.rawHeaders.length / 2;
  if (count <= REQUEST_LIMITS.maxHeaderCount) return next();
  next(new IdemError(IdemErrorCode.RequestHeadersTooLarge, `The request has ${count} header fields; at most ${REQUEST_LIMITS.maxHeaderCount} are accepted`));
}

/**
 * Bodies are JSON in UTF-8, as Svix's clients send them. A form or text body would otherwise reach
 * validation as nothing, and another charset would be parsed after the depth check read its bytes.
 */
function refuseBodiesOtherThanJson(request: Request, _response: Response, next: NextFunction): void {
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return next();
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (request.is('application/json') && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return next();
  next(new IdemError(IdemErrorCode.UnsupportedMediaType, 'The request body must be JSON in UTF-8, sent with Content-Type: application/json'));
}

const CLIENT_ERRORS: Readonly<Record<string, { status: number; reason: string; code: string; detail: string }>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'request_header_fields_too_large',
    detail: `The request's headers are larger than ${REQUEST_LIMITS.maxHeaderBytes} bytes`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', code: 'request_timeout', detail: 'The request was not received in time' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', code: 'bad_request', detail: 'The request is not valid HTTP' };

/**
 * Node's HTTP parser refuses a request before Express sees it (headers too large, too slow,
 * malformed). Node's own answer has no body; this one gives Svix's error shape, and like Node's it
 * is only written while no response has started on the connection.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, reason, code, detail } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ code, detail });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
