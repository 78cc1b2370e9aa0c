import type { INestApplication } from '@nestjs/common';

/**
 * Starts the real API application in this process with the suite's environment. The app reads
 * configuration from process.env once, at creation, so the environment is applied first.
 */
export async function startApi(env: Record<string, string>): Promise<{ app: INestApplication; url: string; close(): Promise<void> }> {
  Object.assign(process.env, env);
  // Imported late so that modules reading configuration see the suite's environment.
  const { createApiApp } = await import('../../apps/api/src/api-app');
  const app = await createApiApp();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
