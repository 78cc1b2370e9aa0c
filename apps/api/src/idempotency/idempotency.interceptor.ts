import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import { PRINCIPAL, Principal } from '../auth/principal';
import { IdempotencyService } from './idempotency.service';
import { IDEMPOTENCY_APPLIED, idempotentRequestOf } from './idempotent-request';
import { SHOWN_ONCE_FIELDS } from './shown-once.decorator';

/**
 * Applies the Idempotency-Key contract to the `@Idempotent()` routes, when the request is authenticated
 * and carries the header. Only those routes pay for an interceptor in their pipeline.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Principal }>();
    const response = context.switchToHttp().getResponse<Response>();
    const principal = request[PRINCIPAL];
    if (!principal) return next.handle();
    const idempotentRequest = idempotentRequestOf(request, principal);
    if (!idempotentRequest) return next.handle();
    const shownOnce = this.reflector.get<string[] | undefined>(SHOWN_ONCE_FIELDS, context.getHandler()) ?? [];
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

/** A POST route whose Idempotency-Key the interceptor applies: a replay answers the stored response. */
export const Idempotent = () => applyDecorators(SetMetadata(IDEMPOTENCY_APPLIED, 'interceptor'), UseInterceptors(IdempotencyInterceptor));
