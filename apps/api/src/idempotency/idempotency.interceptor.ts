import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import { PRINCIPAL, Principal } from '../auth/principal';
import { RequestValidationError } from '../http/request-validation.error';
import { ACCEPTS_MESSAGES } from '../metrics/accepts-messages.decorator';
import { ApiMetrics } from '../metrics/api-metrics';
import { idempotencyScope, IdempotencyService, requestFingerprint } from './idempotency.service';
import { SHOWN_ONCE_FIELDS } from './shown-once.decorator';

const MAX_KEY_LENGTH = 256;

/** Applies the Idempotency-Key contract to every authenticated POST that carries the header. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
    private readonly metrics: ApiMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Principal }>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.header('idempotency-key');
    const principal = request[PRINCIPAL];
    if (request.method !== 'POST' || key === undefined || !principal) return next.handle();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new RequestValidationError([
        { loc: ['header', 'idempotency-key'], msg: `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`, type: 'value_error' },
      ]);
    }
    const idempotentRequest = {
      scope: idempotencyScope(principal.credentialId, request.method, request.path),
      key,
      requestHash: requestFingerprint(request.query, request.body),
    };
    const shownOnce = this.reflector.get<string[] | undefined>(SHOWN_ONCE_FIELDS, context.getHandler()) ?? [];
    const acceptsMessages = this.reflector.get<boolean | undefined>(ACCEPTS_MESSAGES, context.getHandler()) ?? false;
    const work = async () => {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      // Nest applied the route's status before the handler ran, and the handler may have changed it.
      return { status: response.statusCode, body, replayBody: shownOnce.length > 0 ? withoutFields(body, shownOnce) : undefined };
    };
    return from(this.idempotency.execute(idempotentRequest, work)).pipe(
      map((outcome) => {
        if (outcome.replayed) {
          response.status(outcome.status);
          response.setHeader('Idempotent-Replayed', 'true');
          if (acceptsMessages) this.metrics.messageAccepted(true);
        }
        return outcome.body;
      }),
    );
  }
}

function withoutFields(body: unknown, fields: string[]): unknown {
  if (typeof body !== 'object' || body === null) return body;
  return { ...body, ...Object.fromEntries(fields.map((field) => [field, null])) };
}
