import type { LoggerService } from '@nestjs/common';

/**
 * Nest's own contexts that report start-up, one line per module, route and stage (over a hundred
 * lines for the API). They describe the code, not the installation, so they go to `debug`.
 */
const NEST_STARTUP_CONTEXTS: ReadonlySet<string> = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * The apps' logger: the pino logger, except that Nest's start-up lines are logged at `debug` instead
 * of `info`. Nest passes the context as the last argument, so that is what is looked at.
 */
export class StartupQuietLogger implements LoggerService {
  constructor(private readonly inner: Required<Pick<LoggerService, 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>>) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && NEST_STARTUP_CONTEXTS.has(context)) this.inner.debug(message, ...optionalParams);
    else this.inner.log(message, ...optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.inner.error(message, ...optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.inner.warn(message, ...optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.inner.debug(message, ...optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.inner.verbose(message, ...optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.inner.fatal(message, ...optionalParams);
  }
}
