import { IdemError, IdemErrorCode } from '@app/core';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { RequestValidationError } from './request-validation.error';

const STATUS_OF_CODE: Readonly<Record<IdemErrorCode, number>> = {
  [IdemErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [IdemErrorCode.Conflict]: HttpStatus.CONFLICT,
  [IdemErrorCode.Validation]: HttpStatus.UNPROCESSABLE_ENTITY,
  [IdemErrorCode.BadRequest]: HttpStatus.BAD_REQUEST,
  [IdemErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [IdemErrorCode.IdempotencyKeyReused]: HttpStatus.UNPROCESSABLE_ENTITY,
  [IdemErrorCode.IdempotencyInFlight]: HttpStatus.CONFLICT,
  [IdemErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [IdemErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [IdemErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [IdemErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  // Nest's HttpStatus has no name for 431.
  [IdemErrorCode.RequestHeadersTooLarge]: 431,
  [IdemErrorCode.MissingPayload]: HttpStatus.BAD_REQUEST,
};

/** Svix's names for the errors that Nest and Express raise before our code runs. */
const CODE_OF_HTTP_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'authentication_failed',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'request_header_fields_too_large',
};

export interface SvixErrorBody {
  code: string;
  detail: string;
}

export interface SvixValidationErrorBody {
  detail: { loc: string[]; msg: string; type: string }[];
}

/** A broken rule as an HTTP answer in Svix's shapes; also what a batch reports for each item it refused. */
export function svixErrorOf(exception: RequestValidationError | IdemError): { status: number; body: SvixErrorBody | SvixValidationErrorBody; headers: Record<string, string> } {
  if (exception instanceof RequestValidationError) {
    return { status: HttpStatus.UNPROCESSABLE_ENTITY, body: { detail: exception.problems }, headers: {} };
  }
  const status = STATUS_OF_CODE[exception.code];
  if (status === HttpStatus.UNPROCESSABLE_ENTITY && exception.code === IdemErrorCode.Validation) {
    const detail = exception.problems?.map((problem) => ({ ...problem, loc: ['body', ...problem.loc] })) ?? [{ loc: ['body'], msg: exception.detail, type: 'value_error' }];
    return { status, body: { detail }, headers: {} };
  }
  const headers: Record<string, string> = exception.retryAfterSeconds === undefined ? {} : { 'retry-after': String(exception.retryAfterSeconds) };
  return { status, body: { code: exception.code, detail: exception.detail }, headers };
}

/**
 * The one place errors become HTTP answers, in Svix's shapes: `{code, detail}`, or for 422 a list
 * of `{loc, msg, type}`. Anything unexpected is a 500 with a correlation id; its stack goes to the
 * log, never to the caller.
 */
@Catch()
export class SvixErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(SvixErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = this.toHttp(exception);
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(status).json(body);
  }

  toHttp(exception: unknown): { status: number; body: SvixErrorBody | SvixValidationErrorBody; headers: Record<string, string> } {
    if (exception instanceof RequestValidationError || exception instanceof IdemError) return svixErrorOf(exception);
    if (isBodyParserError(exception)) {
      const { status } = exception;
      const detail =
        status === HttpStatus.PAYLOAD_TOO_LARGE ? `The request body is larger than the limit of ${exception.limit} bytes` : exception.message;
      return { status, body: { code: CODE_OF_HTTP_STATUS[status] ?? 'bad_request', detail }, headers: {} };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        const code = CODE_OF_HTTP_STATUS[status] ?? 'bad_request';
        return { status, body: { code, detail: this.detailOf(exception) }, headers: {} };
      }
    }
    const correlationId = randomUUID();
    this.logger.error({ err: exception, correlationId }, 'unhandled error');
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { code: 'internal_server_error', detail: `Internal error; correlation id ${correlationId}` },
      headers: { 'x-correlation-id': correlationId },
    };
  }

  private detailOf(exception: HttpException): string {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
    return exception.message;
  }
}

/**
 * An error Express's body parser raised before any of our code ran (too large, unsupported charset,
 * aborted upload). They come from the `http-errors` package: a 4xx `status` and `expose` set when
 * the message is meant for the caller.
 */
function isBodyParserError(exception: unknown): exception is Error & { status: number; limit?: number } {
  if (!(exception instanceof Error)) return false;
  const { status, expose } = exception as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}
