import { REDACTED_LOG_PATHS } from '@app/config';
import type { Options } from 'pino-http';

/** The API's request log: a line per request when it completes, at info, or at error when it failed (5xx). */
export function requestLogOptions(level: string): Options {
  return {
    level,
    redact: REDACTED_LOG_PATHS,
    // A server error is logged at error, so that a log kept at warn still shows it.
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    // Health checks and scrapes come every few seconds; logging each would drown the log.
    autoLogging: { ignore: (req) => /^\/(api\/v1\/health|metrics)(\/|\?|$)/.test(req.url ?? '') },
  };
}
