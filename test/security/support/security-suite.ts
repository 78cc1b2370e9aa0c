import type { INestApplication } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import type { Client } from 'pg';
import { startApi } from '../../support/api-server';
import { connectToDatabase, createTestEnvironment, TestEnvironment } from '../../support/test-environment';

/** One request, sent on a connection of its own so that a refused request cannot disturb the next. */
export interface RawRequest {
  method: string;
  path: string;
  /** Bearer token: the suite's admin token when absent, none when null. */
  token?: string | null;
  /** Sent as JSON with `content-type: application/json` unless the headers say otherwise. */
  body?: unknown;
  /** Sent as is, for malformed or oversized bodies. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed when the answer is JSON, else the text. */
  body: any;
}

/** A running API on its own database and queue prefix, and the tools to look at it from outside. */
export interface SecuritySuite {
  environment: TestEnvironment;
  app: INestApplication;
  url: string;
  db: Client;
  send(request: RawRequest): Promise<RawResponse>;
  /** A new API token through the API itself, organisation-wide or scoped to `appId`. */
  createToken(name: string, appId?: string): Promise<{ id: string; token: string }>;
  /** Rows in every table of the database, found at run time so that new tables are counted too. */
  rowCounts(): Promise<Record<string, number>>;
  /** A digest of every row of every table: any insert, update or delete anywhere changes it. */
  contentDigests(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startSecuritySuite(overrides: Record<string, string> = {}): Promise<SecuritySuite> {
  const environment = await createTestEnvironment(overrides);
  const api = await startApi(environment.env);
  const db = await connectToDatabase(environment.databaseUrl);
  const { port } = new URL(api.url);
  const tables = (
    await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY table_name`,
    )
  ).rows.map((row) => row.table_name);

  const send = (request: RawRequest) => sendRequest(Number(port), environment.adminToken, request);
  return {
    environment,
    app: api.app,
    url: api.url,
    db,
    send,
    async createToken(name, appId) {
      const response = await send({ method: 'POST', path: '/api/v1/auth/token', body: appId === undefined ? { name } : { name, appId } });
      if (response.status !== 201) throw new Error(`creating a token answered ${response.status}: ${JSON.stringify(response.body)}`);
      return { id: response.body.id, token: response.body.token };
    },
    async rowCounts() {
      const { rows } = await db.query<{ name: string; count: string }>(
        tables.map((table) => `SELECT '${table}' AS name, count(*) AS count FROM "${table}"`).join(' UNION ALL '),
      );
      return Object.fromEntries(rows.map((row) => [row.name, Number(row.count)]));
    },
    async contentDigests() {
      const { rows } = await db.query<{ name: string; digest: string | null }>(
        tables.map((table) => `SELECT '${table}' AS name, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${table}" t`).join(' UNION ALL '),
      );
      return Object.fromEntries(rows.map((row) => [row.name, row.digest ?? '']));
    },
    async close() {
      await db.end();
      await api.close();
      await environment.dispose();
    },
  };
}

/** Sends with `node:http` rather than fetch, which refuses some of the headers and bodies these suites need. */
export function sendRequest(port: number, adminToken: string, request: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  const token = request.token === undefined ? adminToken : request.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined = request.rawBody;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, request.headers);
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'transfer-encoding')) {
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: request.method, path: request.path, headers, agent: false }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const isJson = /json/.test(String(response.headers['content-type'] ?? ''));
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: isJson && text ? JSON.parse(text) : text });
      });
    });
    // The server may answer and close before it has read a body it refuses: writing the rest then
    // fails, and the answer, which may still be on its way, is what counts.
    outgoing.on('error', (error) => {
      if (!answered) setTimeout(() => answered || reject(error), 1_000).unref();
    });
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}
