import 'reflect-metadata';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Controller, HttpCode, INestApplication, Post, UseInterceptors } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import express from 'express';
import { PoolClient } from 'pg';
import { IdemDelivery, IdemTransaction, IdemWebhookInterceptor } from '@idem/sdk/nestjs';
import { expressWebhookMiddleware, MemoryDedupStore, MemoryVersionGuard, PermanentRejection, PostgresInbox, WebhookDelivery, WebhookHandler, WebhookReceiver } from '@idem/sdk/receiver';
import { DeliveryFactory, post } from './support/delivery.factory';
import { TestDatabase } from './support/test-database';

interface VersionedOrder {
  orderId: string;
  version: number;
}

/** Two deliveries of one order, the newer first: the guard applies the first and refuses the second. */
async function newerThenOlder(url: string, secret: string, orderId: string): Promise<Awaited<ReturnType<typeof post>>[]> {
  const responses = [];
  for (const version of [7, 6]) responses.push(await post(url, DeliveryFactory.create({ secret, payload: { orderId, version } })));
  return responses;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('framework adapters', () => {
  const secret = DeliveryFactory.secret();

  describe(expressWebhookMiddleware.name, () => {
    const servers: Server[] = [];

    afterAll(() => {
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
    });

    async function listen(app: express.Express): Promise<string> {
      app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ error: error.message });
      });
      const server = await new Promise<Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    async function receiverApp(handler: WebhookHandler<undefined> = () => undefined, mount?: (app: express.Express) => void) {
      const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
      const app = express();
      mount?.(app);
      app.post('/webhooks', expressWebhookMiddleware(receiver, handler, { maxBodyBytes: 64 * 1024 }));
      return { receiver, url: `${await listen(app)}/webhooks` };
    }

    // A body no JSON.stringify would produce: verifying a re-serialised body would fail on it.
    const oddlyFormatted = '{ "amount" : 10.50,\n  "currency":"EUR", "note": "caf\\u00e9" }';

    it('verifies the raw bytes read from the stream, whatever their formatting', async () => {
      const payloads: unknown[] = [];
      const { url } = await receiverApp((delivery) => {
        payloads.push(delivery.payload);
      });

      const response = await post(url, DeliveryFactory.create({ secret, body: oddlyFormatted }));

      expect(response.status).toBe(200);
      expect(payloads).toEqual([{ amount: 10.5, currency: 'EUR', note: 'café' }]);
    });

    it('verifies the Buffer left by express.raw()', async () => {
      const { url } = await receiverApp(undefined, (app) => app.use('/webhooks', express.raw({ type: '*/*' })));

      expect((await post(url, DeliveryFactory.create({ secret, body: oddlyFormatted }))).status).toBe(200);
    });

    it('refuses a body express.json() already parsed, saying how to mount the raw body', async () => {
      const { url } = await receiverApp(undefined, (app) => app.use(express.json()));

      const response = await post(url, DeliveryFactory.create({ secret, body: oddlyFormatted }));

      expect(response.status).toBe(500);
      expect(JSON.parse(response.text).error).toMatch(/express\.raw/);
    });

    it('answers 200 processed, 200 duplicate with Idem-Duplicate, 401 bad signature, 400 malformed', async () => {
      const { url } = await receiverApp();
      const delivery = DeliveryFactory.create({ secret, id: 'msg_express' });

      const processed = await post(url, delivery);
      const duplicate = await post(url, DeliveryFactory.create({ secret, id: 'msg_express' }));
      const forged = await post(url, DeliveryFactory.create({ secret: DeliveryFactory.secret() }));
      const unsigned = await post(url, { body: '{}', headers: { 'content-type': 'application/json' } });
      const notJson = await post(url, DeliveryFactory.create({ secret, body: 'not json' }));

      expect([processed.status, processed.headers.get('idem-duplicate')]).toEqual([200, null]);
      expect([duplicate.status, duplicate.headers.get('idem-duplicate')]).toEqual([200, 'true']);
      expect([forged.status, unsigned.status, notJson.status]).toEqual([401, 400, 400]);
    });

    it('answers 200 with webhook-outcome: stale when the handler returns a version guard refusal', async () => {
      const guard = new MemoryVersionGuard();
      const applied: number[] = [];
      const { url } = await receiverApp(({ payload }: WebhookDelivery<VersionedOrder>) =>
        guard.applyIfNewer(`order:${payload.orderId}`, payload.version, async () => void applied.push(payload.version)),
      );

      const [newer, older] = await newerThenOlder(url, secret, 'express');

      expect([newer.status, newer.headers.get('webhook-outcome')]).toEqual([200, null]);
      expect([older.status, older.headers.get('webhook-outcome'), JSON.parse(older.text)]).toEqual([200, 'stale', { status: 'stale' }]);
      expect(applied).toEqual([7]);
    });

    it('answers 413 to a body over the limit', async () => {
      const { url } = await receiverApp();

      const response = await post(url, DeliveryFactory.create({ secret, payload: { blob: 'x'.repeat(70 * 1024) } }));

      expect(response.status).toBe(413);
    });

    it('in observe mode still runs the handler for a duplicate and reports it', async () => {
      const seen: string[] = [];
      let runs = 0;
      const receiver = new WebhookReceiver({
        secret,
        store: new MemoryDedupStore(),
        mode: 'observe',
        onDuplicate: ({ delivery, kind }) => seen.push(`${kind}:${delivery.id}`),
      });
      const app = express();
      app.post('/webhooks', expressWebhookMiddleware(receiver, () => runs++));
      const url = `${await listen(app)}/webhooks`;

      const statuses = [(await post(url, DeliveryFactory.create({ secret, id: 'msg_obs' }))).status, (await post(url, DeliveryFactory.create({ secret, id: 'msg_obs' }))).status];

      expect(statuses).toEqual([200, 200]);
      expect(runs).toBe(2);
      expect(seen).toEqual(['duplicate:msg_obs']);
      expect(receiver.counters).toMatchObject({ processed: 2, duplicates: 1 });
    });
  });

  describe(IdemWebhookInterceptor.name, () => {
    let database: TestDatabase;
    let app: INestApplication;
    let url: string;
    let gate = deferred();
    const handled: string[] = [];
    let failNext = false;
    const versionsApplied: number[] = [];

    beforeAll(async () => {
      database = await TestDatabase.create();
      await database.pool.query('CREATE TABLE effects (message_id text NOT NULL)');
      const inbox = new PostgresInbox<PoolClient>(database.pool);
      await inbox.install();
      const memoryReceiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
      const inboxReceiver = new WebhookReceiver({ secret, store: inbox });
      const guard = new MemoryVersionGuard();

      @Controller('webhooks')
      class WebhooksController {
        @Post('memory')
        @HttpCode(200)
        @UseInterceptors(new IdemWebhookInterceptor(memoryReceiver))
        async memory(@IdemDelivery() delivery: WebhookDelivery<{ wait?: boolean }>) {
          if (delivery.payload.wait) await gate.promise;
          if (failNext) {
            failNext = false;
            throw new Error('handler crashed');
          }
          handled.push(delivery.id);
          return { received: delivery.id };
        }

        @Post('versioned')
        @HttpCode(200)
        @UseInterceptors(new IdemWebhookInterceptor(memoryReceiver))
        async versioned(@IdemDelivery() { payload }: WebhookDelivery<VersionedOrder>) {
          return guard.applyIfNewer(`order:${payload.orderId}`, payload.version, async () => {
            versionsApplied.push(payload.version);
            return { applied: payload.version };
          });
        }

        @Post('inbox')
        @HttpCode(200)
        @UseInterceptors(new IdemWebhookInterceptor(inboxReceiver))
        async inbox(@IdemDelivery() delivery: WebhookDelivery, @IdemTransaction() client: PoolClient) {
          await client.query('INSERT INTO effects (message_id) VALUES ($1)', [delivery.id]);
          if (failNext) {
            failNext = false;
            throw new Error('handler crashed after writing');
          }
          return { received: delivery.id };
        }
      }

      const moduleRef = await Test.createTestingModule({ controllers: [WebhooksController] }).compile();
      app = moduleRef.createNestApplication({ rawBody: true, logger: false });
      await app.listen(0, '127.0.0.1');
      url = await app.getUrl();
    });

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('verifies the raw body behind a JSON body parser and returns the handler result', async () => {
      const response = await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest', body: '{ "wait" : false }' }));

      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ received: 'msg_nest' });
    });

    it('acknowledges a duplicate with Idem-Duplicate and skips the handler', async () => {
      await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest_dup' }));

      const response = await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest_dup' }));

      expect(response.status).toBe(200);
      expect(response.headers.get('idem-duplicate')).toBe('true');
      expect(handled.filter((id) => id === 'msg_nest_dup')).toHaveLength(1);
    });

    it('answers 409 while the same message is in flight', async () => {
      gate = deferred();
      const first = post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest_slow', payload: { wait: true } }));
      await new Promise((resolve) => setTimeout(resolve, 100));

      const second = await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest_slow', payload: { wait: true } }));
      gate.resolve();

      expect(second.status).toBe(409);
      expect(second.headers.get('retry-after')).toBe('5');
      expect((await first).status).toBe(200);
    });

    it("answers with the route's status and webhook-outcome: stale when the handler returns a version guard refusal", async () => {
      const [newer, older] = await newerThenOlder(`${url}/webhooks/versioned`, secret, 'nest');

      expect([newer.status, newer.headers.get('webhook-outcome')]).toEqual([200, null]);
      expect(JSON.parse(newer.text)).toEqual({ applied: true, result: { applied: 7 } });
      expect([older.status, older.headers.get('webhook-outcome'), JSON.parse(older.text)]).toEqual([200, 'stale', { status: 'stale' }]);
      expect(versionsApplied).toEqual([7]);
    });

    it('answers 401 to a bad signature and 400 to missing headers', async () => {
      const forged = await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret: DeliveryFactory.secret() }));
      const unsigned = await post(`${url}/webhooks/memory`, { body: '{}', headers: { 'content-type': 'application/json' } });

      expect([forged.status, unsigned.status]).toEqual([401, 400]);
      expect(JSON.parse(forged.text).reason).toBe('no_matching_signature');
    });

    it('releases the message when the handler throws, so the redelivery is processed', async () => {
      failNext = true;
      const crashed = await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest_crash' }));
      const redelivered = await post(`${url}/webhooks/memory`, DeliveryFactory.create({ secret, id: 'msg_nest_crash' }));

      expect([crashed.status, redelivered.status]).toEqual([500, 200]);
      expect(handled.filter((id) => id === 'msg_nest_crash')).toHaveLength(1);
    });

    it('hands the route the inbox transaction, so its writes roll back with the dedup record', async () => {
      failNext = true;
      const crashed = await post(`${url}/webhooks/inbox`, DeliveryFactory.create({ secret, id: 'msg_nest_inbox' }));
      const afterCrash = Number((await database.pool.query('SELECT count(*) AS n FROM effects')).rows[0].n);
      const redelivered = await post(`${url}/webhooks/inbox`, DeliveryFactory.create({ secret, id: 'msg_nest_inbox' }));
      const duplicate = await post(`${url}/webhooks/inbox`, DeliveryFactory.create({ secret, id: 'msg_nest_inbox' }));

      expect([crashed.status, redelivered.status, duplicate.status]).toEqual([500, 200, 200]);
      expect(afterCrash).toBe(0);
      expect(Number((await database.pool.query('SELECT count(*) AS n FROM effects')).rows[0].n)).toBe(1);
    });
  });

  describe('a refusal on purpose, beside a crash', () => {
    /** What the handler does with a delivery, named in its payload. */
    type Act = { act: 'refuse' | 'crash' | 'apply' };
    const handled: string[] = [];
    let crashes = 0;
    const handle = (delivery: WebhookDelivery<Act>) => {
      if (delivery.payload.act === 'refuse') throw new PermanentRejection('out of stock');
      if (delivery.payload.act === 'crash' && crashes++ === 0) throw new Error('handler crashed');
      handled.push(delivery.id);
      return { received: delivery.id };
    };
    let server: Server;
    let app: INestApplication;
    let expressUrl: string;
    let nestUrl: string;

    beforeAll(async () => {
      const expressApp = express();
      expressApp.post('/webhooks', expressWebhookMiddleware(new WebhookReceiver({ secret, store: new MemoryDedupStore() }), (delivery) => void handle(delivery as WebhookDelivery<Act>)));
      expressApp.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ error: error.message });
      });
      server = await new Promise<Server>((resolve) => {
        const listening = expressApp.listen(0, '127.0.0.1', () => resolve(listening));
      });
      expressUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;

      const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
      @Controller('webhooks')
      class RefusingController {
        @Post()
        @HttpCode(200)
        @UseInterceptors(new IdemWebhookInterceptor(receiver))
        receive(@IdemDelivery() delivery: WebhookDelivery<Act>) {
          return handle(delivery);
        }
      }
      const moduleRef = await Test.createTestingModule({ controllers: [RefusingController] }).compile();
      app = moduleRef.createNestApplication({ rawBody: true, logger: false });
      await app.listen(0, '127.0.0.1');
      nestUrl = `${await app.getUrl()}/webhooks`;
    });

    afterAll(async () => {
      server?.closeAllConnections();
      server?.close();
      await app?.close();
    });

    describe.each([
      ['expressWebhookMiddleware', () => expressUrl],
      ['IdemWebhookInterceptor', () => nestUrl],
    ])('%s', (adapter, url) => {
      it('answers a PermanentRejection 422 with webhook-outcome: rejected, which Idem does not retry', async () => {
        const response = await post(url(), DeliveryFactory.create({ secret, id: `msg_refused_${adapter}`, payload: { act: 'refuse' } }));

        expect([response.status, response.headers.get('webhook-outcome')]).toEqual([422, 'rejected']);
        expect(JSON.parse(response.text)).toMatchObject({ status: 'refused', reason: 'out of stock' });
      });

      it('answers a crash with a 5xx and no outcome, and processes the redelivery', async () => {
        crashes = 0;
        const id = `msg_crashed_${adapter}`;
        const crashed = await post(url(), DeliveryFactory.create({ secret, id, payload: { act: 'crash' } }));
        const redelivered = await post(url(), DeliveryFactory.create({ secret, id, payload: { act: 'crash' } }));

        expect(crashed.status).toBeGreaterThanOrEqual(500);
        expect(crashed.headers.get('webhook-outcome')).toBeNull();
        expect([redelivered.status, handled.filter((handledId) => handledId === id)]).toEqual([200, [id]]);
      });
    });
  });
});
