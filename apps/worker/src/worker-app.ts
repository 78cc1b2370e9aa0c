import { IdemConfig, StartupQuietLogger } from '@app/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/**
 * Builds the worker exactly as production runs it, and starts it: its delivery worker, sweeper and
 * cleanup, and the small HTTP server for `/health` and `/metrics` on IDEM_WORKER_PORT. Tests call this
 * too; `close()` stops all of it, the HTTP server last.
 */
export async function createWorkerApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(WorkerModule, { bufferLogs: true });
  app.useLogger(new StartupQuietLogger(app.get(Logger)));
  const config = app.get(IdemConfig);
  try {
    await app.listen(config.workerPort, config.host);
  } catch (error) {
    // The delivery worker started before the port was found taken: stop it rather than leave it running unwatched.
    await app.close();
    throw error;
  }
  return app;
}
