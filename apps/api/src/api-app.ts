import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';

/** Builds the API application exactly as production runs it; tests call this too. */
export async function createApiApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.useBodyParser('json', { limit: '512kb' });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Idem').setDescription('Svix-compatible webhook delivery API').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
