import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiMetrics, statusClassOf } from './api-metrics';
import { observeHttpRequests, routeLabelOf, UNMATCHED_ROUTE } from './http-request-metrics';

describe(routeLabelOf.name, () => {
  it("is the matched route's template", () => {
    expect(routeLabelOf({ route: { path: '/api/v1/app/:app_id/msg/:msg_id' } })).toBe('/api/v1/app/:app_id/msg/:msg_id');
  });

  it('is "other" when no route matched, or only a catch-all that matches every path', () => {
    expect(routeLabelOf({})).toBe(UNMATCHED_ROUTE);
    expect(routeLabelOf({ route: { path: '/{*path}' } })).toBe(UNMATCHED_ROUTE);
    expect(routeLabelOf({ route: { path: '/console/*' } })).toBe(UNMATCHED_ROUTE);
    expect(routeLabelOf({ route: { path: /^\/regex/ } })).toBe(UNMATCHED_ROUTE);
  });
});

describe(statusClassOf.name, () => {
  it.each([
    [200, '2xx'],
    [202, '2xx'],
    [304, '3xx'],
    [404, '4xx'],
    [431, '4xx'],
    [503, '5xx'],
  ])('puts %i in %s', (status, label) => {
    expect(statusClassOf(status)).toBe(label);
  });
});

describe(observeHttpRequests.name, () => {
  const answered: { method: string; route: string; status: number }[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const metrics = {
      requestAnswered: (method: string, route: string, status: number) => answered.push({ method, route, status }),
    } as unknown as ApiMetrics;
    const app = express();
    app.use(observeHttpRequests(metrics));
    // As Nest mounts middleware for every path: a route that matches anything and passes the request on.
    app.all('/{*path}', (_request, _response, next) => next());
    app.get('/api/v1/app/:app_id/msg/:msg_id', (_request, response) => {
      response.status(200).json({});
    });
    app.post('/api/v1/app/:app_id/msg', (_request, response) => {
      response.status(422).json({});
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    answered.length = 0;
  });

  it('labels a request with the template of the route that answered it, not the ids in its path', async () => {
    await fetch(`${url}/api/v1/app/app_2Zx9/msg/msg_7Qa1?with=query`);
    await fetch(`${url}/api/v1/app/app_2Zx9/msg`, { method: 'POST' });

    expect(answered).toEqual([
      { method: 'GET', route: '/api/v1/app/:app_id/msg/:msg_id', status: 200 },
      { method: 'POST', route: '/api/v1/app/:app_id/msg', status: 422 },
    ]);
  });

  it('labels a request no route answered as "other", whatever its path', async () => {
    await fetch(`${url}/api/v1/app/app_2Zx9/nothing/ep_1`);

    expect(answered).toEqual([{ method: 'GET', route: UNMATCHED_ROUTE, status: 404 }]);
  });
});
