import type { INestApplicationContext } from '@nestjs/common';
import { createServer, Server } from 'node:net';
import { AddressInfo } from 'node:net';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';

/**
 * An endpoint is someone else's server. Whatever it answers, the worker keeps at most 20 KB of it, ends
 * each attempt within the delivery timeout, clamps its Retry-After, and records the attempt.
 */
describe('Hostile receivers', () => {
  const TIMEOUT_MS = 1500;
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  const servers: Server[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_DELIVERY_TIMEOUT: `${TIMEOUT_MS}ms`, IDEM_RETRY_SCHEDULE: '10s' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  });

  afterAll(async () => {
    await worker?.close();
    for (const server of servers) server.close();
    await suite?.close();
  });

  /** A raw TCP server that answers every connection with `respond`, so it can break HTTP as it likes. */
  async function rawReceiver(respond: (socket: import('node:net').Socket) => void): Promise<{ url: string; bytesWritten: () => number }> {
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => respond(socket));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const bytesWritten = () => sockets.reduce((total, socket) => total + socket.bytesWritten, 0);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bytesWritten };
  }

  async function firstAttempt(url: string) {
    const app = await suite.svix.application.create({ name: 'hostile' });
    await suite.svix.endpoint.create(app.id, { url });
    const started = Date.now();
    const message = await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await suite.db.query(
        'SELECT response_status_code, length(response_body) AS body_length, response_body, error, response_duration_ms, next_attempt_at FROM attempts WHERE message_id = $1',
        [message.id],
      );
      if (rows.length > 0) return { ...rows[0], elapsedMs: Date.now() - started };
      if (Date.now() > deadline) throw new Error('no attempt recorded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('keeps 20 KB of a 50 MB response and stops downloading it', async () => {
    const receiver = await rawReceiver((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 52_428_800 && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return socket.once('drain', pump);
        }
      };
      pump();
    });
    const attempt = await firstAttempt(receiver.url);
    expect(attempt.response_status_code).toBe(200);
    expect(Number(attempt.body_length)).toBe(20 * 1024);
    // Had the worker kept reading, loopback would carry the whole 50 MB within this second.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.bytesWritten()).toBeLessThan(10 * 1024 * 1024);
  });

  it('ends an attempt whose response trickles one byte a second at the delivery timeout', async () => {
    const receiver = await rawReceiver((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('x')), 1000);
    });
    const attempt = await firstAttempt(receiver.url);
    expect(attempt.response_status_code).toBe(0);
    expect(attempt.error).toMatch(/timed out|timeout/i);
    expect(attempt.response_duration_ms).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('records an attempt whose response has 100,000 headers as failed, without reading them all', async () => {
    const receiver = await rawReceiver((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      for (let i = 0; i < 100_000 && !socket.destroyed; i++) socket.write(`x-h${i}: v\r\n`);
      if (!socket.destroyed) socket.end('Content-Length: 0\r\n\r\n');
    });
    const attempt = await firstAttempt(receiver.url);
    expect(attempt.response_status_code).toBe(0);
    expect(attempt.error).toBeTruthy();
  });

  it('stores a body that is not UTF-8 (NUL bytes included) as text', async () => {
    const receiver = await rawReceiver((socket) => {
      const body = Buffer.from([0x66, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x6f]);
      socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 500 Oops\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    });
    const attempt = await firstAttempt(receiver.url);
    expect(attempt.response_status_code).toBe(500);
    expect(attempt.response_body).toBe('f\uFFFD\uFFFD\uFFFD\uFFFD(o');
  });

  it('clamps Retry-After: 999999999 to twice the scheduled delay', async () => {
    const receiver = await rawReceiver((socket) => socket.end('HTTP/1.1 429 Too Many\r\nRetry-After: 999999999\r\nContent-Length: 0\r\n\r\n'));
    const attempt = await firstAttempt(receiver.url);
    expect(attempt.response_status_code).toBe(429);
    const delay = new Date(attempt.next_attempt_at).getTime() - Date.now();
    expect(delay).toBeGreaterThan(15_000);
    expect(delay).toBeLessThanOrEqual(20_000);
  });
});
