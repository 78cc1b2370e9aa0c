import { IdemConfig, targetRefusalHint } from '@app/config';
import { parseRetryAfter, recordableResponseHeaders, TargetPolicy } from '@app/core';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Dispatcher, request } from 'undici';
import { createGuardedDispatcher, TargetRefusedError } from './guarded-dispatcher';

/** At most this much of a response body is read and kept; the rest is never downloaded. */
export const RESPONSE_BODY_LIMIT_BYTES = 20 * 1024;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came back from one attempt. `statusCode` is 0 when no HTTP response arrived. */
export interface WebhookResponse {
  statusCode: number;
  body: string;
  /** As recorded (bounded, cookies redacted); absent when no response came. */
  headers?: Record<string, string>;
  durationMs: number;
  retryAfterMs?: number;
  error: string | null;
  /** The target policy refused the address: nothing was sent. */
  refused?: boolean;
}

/** The port the delivery service sends through. */
export abstract class WebhookSender {
  abstract send(webhook: WebhookRequest): Promise<WebhookResponse>;
}

/**
 * Sends webhooks over pooled keep-alive connections. Every timeout is explicit (undici's own defaults
 * are five minutes), redirects are not followed (undici 7 follows none without an interceptor), and a response body is read only up to its cap, so a
 * slow or hostile endpoint costs one delivery slot for at most the delivery timeout.
 */
@Injectable()
export class UndiciWebhookSender extends WebhookSender implements OnApplicationShutdown {
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;

  constructor(config: IdemConfig) {
    super();
    this.timeoutMs = config.deliveryTimeoutMs;
    // Every connection goes through the target policy: resolved once, checked, and made to the checked address.
    this.dispatcher = createGuardedDispatcher({
      policy: new TargetPolicy(config.targetPolicyOptions),
      connect: { timeout: Math.min(this.timeoutMs, 10_000) },
      agent: {
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 60_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        maxHeaderSize: 64 * 1024,
      },
    });
  }

  async send(webhook: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(webhook.url, {
        method: 'POST',
        headers: webhook.headers,
        body: webhook.body,
        dispatcher: this.dispatcher,
        signal,
      });
      const body = await readCapped(response.body, RESPONSE_BODY_LIMIT_BYTES);
      const retryAfter = response.headers['retry-after'];
      return {
        statusCode: response.statusCode,
        body,
        headers: recordableResponseHeaders(response.headers),
        durationMs: elapsed(),
        retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
        error: null,
      };
    } catch (error) {
      if (error instanceof TargetRefusedError) {
        return { statusCode: 0, body: '', durationMs: elapsed(), error: error.message + targetRefusalHint(error.category), refused: true };
      }
      const message = signal.aborted ? `timed out after ${this.timeoutMs} ms` : describe(error);
      return { statusCode: 0, body: '', durationMs: elapsed(), error: message };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = limit - length;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    length += Math.min(chunk.length, room);
    if (length >= limit) {
      body.destroy();
      break;
    }
  }
  // Invalid UTF-8 becomes U+FFFD on decoding; NUL is valid UTF-8 but Postgres text cannot hold it.
  return Buffer.concat(chunks).toString('utf8').replace(/\u0000/g, '\uFFFD');
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: string }).code ?? cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${cause?.message ?? message}` : message;
}
