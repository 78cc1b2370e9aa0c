/**
 * Log fields pino replaces with `[Redacted]` in both apps: credentials in request headers, and any
 * field named like a signing secret up to two levels down (a request body, a delivery, an error that
 * carries the raw body it failed on). No code logs these today; this keeps a future log line from
 * starting to.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.body',
  'err.body',
  'secret',
  'secrets',
  'key',
  '*.secret',
  '*.secrets',
  '*.key',
  '*.*.secret',
  '*.*.secrets',
  '*.*.key',
];
