import type { Client } from 'pg';
import { ApplicationOut, EndpointOut, Svix } from 'svix';
import { startApi } from '../../support/api-server';
import { FakeReceiver, ReceiverBehaviour } from '../../support/fake-receiver';
import { connectToDatabase, createTestEnvironment, TestEnvironment } from '../../support/test-environment';

/** A running API on its own database and queue prefix, with a `svix` client and a pg client on it. */
export interface ApiSuite {
  environment: TestEnvironment;
  url: string;
  svix: Svix;
  db: Client;
  /** A raw request with the admin token, for what the svix client hides (status codes, headers, bad input). */
  request(method: string, path: string, init?: { body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<RawResponse>;
  count(table: string, where?: string, params?: unknown[]): Promise<number>;
  /** The delivery of a message sent to one endpoint, as Postgres holds it. */
  deliveryOf(messageId: string): Promise<StoredDelivery>;
  /** A new application with one endpoint pointing at a new receiver behaving as `behaviour`; `close` stops the receiver. */
  endpointReceiving(behaviour: ReceiverBehaviour): Promise<{ receiver: FakeReceiver; app: ApplicationOut; endpoint: EndpointOut }>;
  close(): Promise<void>;
}

export interface StoredDelivery {
  status: string;
  scheduled_attempts: number;
  next_attempt_at: Date | null;
  resend_requested_at: Date | null;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function startApiSuite(overrides: Record<string, string> = {}): Promise<ApiSuite> {
  const environment = await createTestEnvironment(overrides);
  const api = await startApi(environment.env);
  const db = await connectToDatabase(environment.databaseUrl);
  const svix = new Svix(environment.adminToken, { serverUrl: api.url });
  const receivers: FakeReceiver[] = [];
  return {
    environment,
    url: api.url,
    svix,
    db,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${environment.adminToken}`, ...init.headers };
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) body = JSON.stringify(init.body);
      if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      const response = await fetch(api.url + path, { method, headers, body });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
    async count(table, where = 'true', params = []) {
      const result = await db.query<{ count: string }>(`SELECT count(*) FROM ${table} WHERE ${where}`, params);
      return Number(result.rows[0].count);
    },
    async deliveryOf(messageId) {
      const { rows } = await db.query<StoredDelivery>(
        'SELECT status, scheduled_attempts, next_attempt_at, resend_requested_at FROM deliveries WHERE message_id = $1',
        [messageId],
      );
      return rows[0];
    },
    async endpointReceiving(behaviour) {
      const receiver = await FakeReceiver.start(behaviour);
      receivers.push(receiver);
      const app = await svix.application.create({ name: 'receiving' });
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
      return { receiver, app, endpoint };
    },
    async close() {
      await Promise.all(receivers.map((receiver) => receiver.close()));
      await db.end();
      await api.close();
      await environment.dispose();
    },
  };
}

/** What the svix client threw, to assert on its status and Svix-shaped body. */
export async function svixError(promise: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await promise;
  } catch (error) {
    const { code, body } = error as { code?: number; body?: unknown };
    if (typeof code === 'number') return { code, body };
    throw error;
  }
  throw new Error('expected the svix call to fail');
}
