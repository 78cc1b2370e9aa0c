import type { IncomingMessage } from 'node:http';

/** Default limit on a webhook body read from the request stream: 5 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** A request whose body a framework may already have read. */
export type RequestWithBody = IncomingMessage & { body?: unknown; rawBody?: unknown };

/** Thrown when the raw body is gone (a JSON parser consumed it) or is over the size limit. */
export class RawBodyError extends Error {
  override readonly name = 'RawBodyError';

  constructor(
    message: string,
    readonly status: 413 | 500,
  ) {
    super(message);
  }
}

/**
 * The request body exactly as it arrived. Uses `req.rawBody` (NestJS with `rawBody: true`) or a Buffer or
 * string `req.body` (Express's `express.raw()` / `express.text()`) when a framework has read it, and
 * otherwise reads the stream. A body that was already parsed into an object cannot be verified:
 * re-serialising JSON rarely reproduces the signed bytes, so that is an error, never a fallback.
 *
 * @example
 * const body = await readRawBody(req);
 */
export async function readRawBody(req: RequestWithBody, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.body !== undefined || req.readableEnded) {
    throw new RawBodyError(
      'The webhook body was already parsed, so its signature cannot be checked. Give this route the raw body: ' +
        "express.raw({ type: '*/*' }) before the middleware (and no express.json() ahead of it), or NestFactory.create(AppModule, { rawBody: true }).",
      500,
    );
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) throw new RawBodyError(`Webhook body over ${maxBytes} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
