import { REDACTED_LOG_PATHS } from '@app/config';
import type { Params } from 'nestjs-pino';

const REQUEST_LINE_LEVELS = new Set(['info', 'debug', 'trace']);

/**
 * The API's logger and request log: a line per request when it completes, at info, or at error when
 * it failed (5xx). With the log kept above info, no request line could be written, so no route carries
 * the request logger: pino-http binds every request to a child logger, serializing and redacting it,
 * logged or not (a seventh of a cheap request's CPU). Unhandled errors are logged by the error filter
 * either way.
 */
export function requestLogParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      redact: REDACTED_LOG_PATHS,
      // A server error is logged at error, so that it stands out from the requests around it.
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // Health checks and scrapes come every few seconds; logging each would drown the log.
      autoLogging: { ignore: (req) => /^\/(api\/v1\/health|metrics)(\/|\?|$)/.test(req.url ?? '') },
    },
    forRoutes: REQUEST_LINE_LEVELS.has(level) ? undefined : [],
  };
}
