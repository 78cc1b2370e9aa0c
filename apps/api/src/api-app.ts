import { IdemConfig, StartupQuietLogger } from '@app/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { buildOpenApiDocument } from './http/openapi-document';
import { applyRequestLimits } from './http/request-limits';
import { ApiMetrics } from './metrics/api-metrics';
import { observeHttpRequests } from './metrics/http-request-metrics';

/** Builds the API application exactly as production runs it; tests call this too. */
export async function createApiApp(): Promise<NestExpressApplication> {
  // Nest's own body parsers (JSON up to 100 KB, and URL-encoded forms) are replaced by the one
  // `applyRequestLimits` installs.
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, { bufferLogs: true, bodyParser: false });
  app.useLogger(new StartupQuietLogger(app.get(Logger)));
  app.enableShutdownHooks();
  // API answers change with every write and no client revalidates them, yet Express hashed every body
  // for an ETag: a measurable share of a cheap request. The console's static files keep theirs
  // (the static middleware makes its own).
  app.set('etag', false);
  // First, so that requests the limits refuse are timed and counted too.
  app.use(observeHttpRequests(app.get(ApiMetrics)));
  applyRequestLimits(app, app.get(IdemConfig));
  // Swagger UI's `persistAuthorization` is left off: it would keep the token in localStorage after the
  // browser closes, where the console keeps its own only for the tab's session.
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
  return app;
}
