import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import { Svix } from 'svix';
import { startApi } from '../../support/api-server';
import { DeliveryLogFactory } from '../../support/factories/delivery-log.factory';
import { connectToDatabase, createTestEnvironment, TestEnvironment } from '../../support/test-environment';

export { svixError } from '../../api/support/api-suite';

export interface RawResponse {
  status: number;
  body: any;
}

/** A running API on its own database and queue prefix, with no worker: the delivery log is seeded. */
export interface LogSuite {
  environment: TestEnvironment;
  app: INestApplication;
  svix: Svix;
  db: Client;
  log: DeliveryLogFactory;
  /** A GET with the admin token, or with `token`, for what the svix client does not show (Idem's extras, status codes). */
  get(path: string, token?: string): Promise<RawResponse>;
  post(path: string, body: unknown): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startLogSuite(): Promise<LogSuite> {
  const environment = await createTestEnvironment();
  const api = await startApi(environment.env);
  const db = await connectToDatabase(environment.databaseUrl);
  const send = async (method: string, path: string, token: string, body?: unknown): Promise<RawResponse> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(api.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    environment,
    app: api.app,
    svix: new Svix(environment.adminToken, { serverUrl: api.url }),
    db,
    log: new DeliveryLogFactory(db),
    get: (path, token = environment.adminToken) => send('GET', path, token),
    post: (path, body) => send('POST', path, environment.adminToken, body),
    async close() {
      await db.end();
      await api.close();
      await environment.dispose();
    },
  };
}
