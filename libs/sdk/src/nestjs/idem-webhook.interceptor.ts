import {
  BadRequestException,
  CallHandler,
  ConflictException,
  ExecutionContext,
  HttpException,
  HttpStatus,
  NestInterceptor,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { lastValueFrom, Observable, of } from 'rxjs';
import { RawBodyError, readRawBody, RequestWithBody } from '../receiver/raw-body';
import { DUPLICATE_HEADER, OUTCOME_HEADER, REJECTED_OUTCOME, STALE_OUTCOME, WebhookDelivery, WebhookReceiver } from '../receiver/webhook-receiver';

/** What the interceptor leaves on the request for the route handler. */
export interface ReceivedWebhook<Tx> {
  delivery: WebhookDelivery;
  /** The inbox transaction when the receiver's store is a `PostgresInbox`, else `undefined`. */
  transaction: Tx;
}

export type RequestWithWebhook<Tx> = RequestWithBody & { idemWebhook?: ReceivedWebhook<Tx> };

export interface IdemWebhookInterceptorOptions {
  /** The largest body read from the stream (when Nest's body parser is off). Default 5 MiB. */
  maxBodyBytes?: number;
  /** `Retry-After` on a 409 for a message in flight. Default 5 seconds. */
  inFlightRetryAfterSeconds?: number;
}

function setHeader(response: unknown, name: string, value: string): void {
  const reply = response as { setHeader?: (name: string, value: string) => void; header?: (name: string, value: string) => void };
  if (typeof reply.setHeader === 'function') reply.setHeader(name, value);
  else reply.header?.(name, value);
}

/**
 * A NestJS interceptor that verifies the raw body, deduplicates, and runs the route handler at most once
 * per message: the handler's return value is sent for a processed delivery; a version guard's refusal
 * returned by the handler gets `{ status: 'stale' }` with `webhook-outcome: stale` and the route's status;
 * a duplicate gets `{ status: 'duplicate' }` with `Idem-Duplicate: true` and the route's status; a message in flight 409;
 * a bad signature 401; a malformed delivery 400. When the handler throws, the message is released and
 * Nest's exception handling answers.
 *
 * Create the app with `rawBody: true` so the signed bytes are kept beside the parsed body. Read the
 * verified delivery (and the `PostgresInbox` transaction) with `@IdemDelivery()` and `@IdemTransaction()`.
 *
 * @example
 * const app = await NestFactory.create(AppModule, { rawBody: true });
 *
 * @Controller('webhooks')
 * export class WebhooksController {
 *   @Post('idem')
 *   @HttpCode(200)
 *   @UseInterceptors(new IdemWebhookInterceptor(receiver))
 *   async receive(@IdemDelivery() delivery: WebhookDelivery) {
 *     await this.orders.markPaid(delivery.payload.orderId);
 *   }
 * }
 */
export class IdemWebhookInterceptor<Tx = undefined> implements NestInterceptor {
  constructor(
    private readonly receiver: WebhookReceiver<Tx>,
    private readonly options: IdemWebhookInterceptorOptions = {},
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithWebhook<Tx>>();
    let body: Buffer;
    try {
      body = await readRawBody(request, this.options.maxBodyBytes);
    } catch (error) {
      if (error instanceof RawBodyError) throw new HttpException(error.message, error.status);
      throw error;
    }
    const outcome = await this.receiver.process({ body, headers: request.headers }, (delivery, transaction) => {
      request.idemWebhook = { delivery, transaction };
      return lastValueFrom(next.handle(), { defaultValue: undefined });
    });
    switch (outcome.kind) {
      case 'processed':
        if (outcome.stale) {
          setHeader(http.getResponse(), OUTCOME_HEADER, STALE_OUTCOME);
          // The guard's refusal holds a bigint, which JSON cannot carry.
          return of({ status: 'stale' });
        }
        return of(outcome.result);
      case 'duplicate':
        setHeader(http.getResponse(), DUPLICATE_HEADER, 'true');
        return of({ status: 'duplicate' });
      case 'in_flight':
        setHeader(http.getResponse(), 'retry-after', String(this.options.inFlightRetryAfterSeconds ?? 5));
        throw new ConflictException({ status: 'in_flight', statusCode: HttpStatus.CONFLICT });
      case 'refused':
        setHeader(http.getResponse(), OUTCOME_HEADER, REJECTED_OUTCOME);
        throw new UnprocessableEntityException({ status: 'refused', reason: outcome.reason, statusCode: HttpStatus.UNPROCESSABLE_ENTITY });
      case 'rejected': {
        const body = { status: 'rejected', reason: outcome.reason, message: outcome.message, statusCode: outcome.status };
        throw outcome.status === 401 ? new UnauthorizedException(body) : new BadRequestException(body);
      }
    }
  }
}
