import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pinoHttp from 'pino-http';
import type { Options } from 'pino-http';
import { requestLogParams } from './request-log';

describe('requestLogParams', () => {
  let server: Server;
  let lines: Record<string, any>[];
  let url: string;

  async function serve(level: string, answer: (path: string) => number): Promise<void> {
    lines = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trim().split('\n').map((line) => JSON.parse(line)));
        done();
      },
    });
    const log = pinoHttp({ ...(requestLogParams(level).pinoHttp as Options), stream });
    server = createServer((req, res) => {
      log(req, res);
      req.log.warn({ step: 'handler' }, 'inside the request');
      res.statusCode = answer(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it('logs a completed request with its method, path, status and time, and no credentials', async () => {
    await serve('info', () => 202);
    await fetch(`${url}/api/v1/app/app_1/msg`, { method: 'POST', headers: { authorization: 'Bearer idem_secret_token' } });
    await new Promise((resolve) => setImmediate(resolve));
    const completed = lines.find((line) => line.msg === 'request completed');
    expect(completed).toMatchObject({ level: 30, req: { method: 'POST', url: '/api/v1/app/app_1/msg', headers: { authorization: '[Redacted]' } }, res: { statusCode: 202 } });
    expect(completed!.responseTime).toEqual(expect.any(Number));
    // A line logged while handling the request names it too.
    expect(lines.find((line) => line.msg === 'inside the request')).toMatchObject({ req: { id: completed!.req.id, url: '/api/v1/app/app_1/msg' } });
    expect(JSON.stringify(lines)).not.toContain('idem_secret_token');
  });

  it('logs a failed request at error, with the request it failed', async () => {
    await serve('info', (path) => (path === '/fails' ? 500 : 200));
    await fetch(`${url}/works`);
    await fetch(`${url}/fails`);
    await new Promise((resolve) => setImmediate(resolve));
    const completions = lines.filter((line) => line.res);
    expect(completions.map((line) => [line.level, line.req.url, line.res.statusCode])).toEqual([
      [30, '/works', 200],
      [50, '/fails', 500],
    ]);
  });

  it('mounts the request logger on every route at info and below, and on none above, where no request line could be written', () => {
    for (const level of ['info', 'debug', 'trace']) expect(requestLogParams(level).forRoutes).toBeUndefined();
    for (const level of ['warn', 'error', 'fatal', 'silent']) expect(requestLogParams(level).forRoutes).toEqual([]);
  });

  it('leaves health checks and scrapes out', async () => {
    await serve('info', () => 204);
    await fetch(`${url}/api/v1/health`);
    await fetch(`${url}/metrics`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((line) => line.res)).toEqual([]);
  });
});
