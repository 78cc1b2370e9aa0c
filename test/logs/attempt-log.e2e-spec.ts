import { AttemptTrigger, DeliveryStatus } from '@app/core';
import { LogSuite, startLogSuite, svixError } from './support/log-suite';

const MINUTE = 60_000;

/** Attempts by message and by endpoint, a message's destinations and one attempt, on a seeded log. */
describe('Attempt log', () => {
  let suite: LogSuite;
  let appId: string;
  let shopEndpoint: string;
  let crmEndpoint: string;
  let otherAppId: string;
  let otherEndpoint: string;
  let otherMessage: string;
  /** Accepted ten minutes ago, on the eu channel; attempted at t(1) … */
  let invoice: string;
  let signup: string;
  let refund: string;
  const start = Date.now() - 60 * MINUTE;
  const t = (minute: number) => new Date(start + minute * MINUTE);
  const attempt: Record<string, string> = {};

  beforeAll(async () => {
    suite = await startLogSuite();
    appId = (await suite.svix.application.create({ name: 'attempt log' })).id;
    shopEndpoint = (await suite.svix.endpoint.create(appId, { url: 'https://shop.example.com/hook', uid: 'shop' })).id;
    crmEndpoint = (await suite.svix.endpoint.create(appId, { url: 'https://crm.example.com/hook' })).id;
    const endpointIds = [shopEndpoint, crmEndpoint];
    invoice = await suite.log.createMessage({ appId, endpointIds, eventType: 'invoice.paid', channels: ['eu'], at: t(0) });
    signup = await suite.log.createMessage({ appId, endpointIds, eventType: 'user.created', channels: ['us'], at: t(0) });
    refund = await suite.log.createMessage({ appId, endpointIds, eventType: 'invoice.refunded', channels: ['eu', 'us'], at: t(0) });
    // shop: a 500 then a 200 for the invoice, a 404 for the signup, no response for the refund.
    attempt.invoiceShop500 = await suite.log.createAttempt({ messageId: invoice, endpointId: shopEndpoint, statusCode: 500, at: t(1) });
    attempt.invoiceShop200 = await suite.log.createAttempt({ messageId: invoice, endpointId: shopEndpoint, statusCode: 200, at: t(2) });
    attempt.signupShop404 = await suite.log.createAttempt({ messageId: signup, endpointId: shopEndpoint, statusCode: 404, at: t(3) });
    attempt.refundShopNone = await suite.log.createAttempt({ messageId: refund, endpointId: shopEndpoint, statusCode: 0, error: 'timed out', at: t(4) });
    // crm: a 302 for the invoice, a 102 then a 204 for the signup.
    attempt.invoiceCrm302 = await suite.log.createAttempt({ messageId: invoice, endpointId: crmEndpoint, statusCode: 302, at: t(5) });
    attempt.signupCrm102 = await suite.log.createAttempt({ messageId: signup, endpointId: crmEndpoint, statusCode: 102, at: t(6) });
    attempt.signupCrm204 = await suite.log.createAttempt({
      messageId: signup,
      endpointId: crmEndpoint,
      statusCode: 204,
      at: t(7),
      trigger: AttemptTrigger.Manual,
    });

    otherAppId = (await suite.svix.application.create({ name: 'someone else' })).id;
    otherEndpoint = (await suite.svix.endpoint.create(otherAppId, { url: 'https://other.example.com/hook', uid: 'shop' })).id;
    otherMessage = await suite.log.createMessage({ appId: otherAppId, endpointIds: [otherEndpoint], at: t(0) });
    attempt.other = await suite.log.createAttempt({ messageId: otherMessage, endpointId: otherEndpoint, statusCode: 200, at: t(8) });
  });

  afterAll(async () => {
    await suite?.close();
  });

  const byEndpoint = async (endpointId: string, options: Parameters<LogSuite['svix']['messageAttempt']['listByEndpoint']>[2] = {}) =>
    (await suite.svix.messageAttempt.listByEndpoint(appId, endpointId, options)).data.map((item) => item.id);
  const byMessage = async (messageId: string, options: Parameters<LogSuite['svix']['messageAttempt']['listByMsg']>[2] = {}) =>
    (await suite.svix.messageAttempt.listByMsg(appId, messageId, options)).data.map((item) => item.id);

  describe('by endpoint', () => {
    it('lists newest first in the shape of Svix', async () => {
      const page = await suite.svix.messageAttempt.listByEndpoint(appId, shopEndpoint);
      expect(page.data.map((item) => item.id)).toEqual([attempt.refundShopNone, attempt.signupShop404, attempt.invoiceShop200, attempt.invoiceShop500]);
      expect(page.data[0]).toMatchObject({ msgId: refund, endpointId: shopEndpoint, responseStatusCode: 0, status: 2, statusText: 'fail', triggerType: 0 });
      expect(page.data[0].timestamp).toEqual(t(4));
      expect(page.done).toBe(true);
    });

    it('narrows by status', async () => {
      expect(await byEndpoint(shopEndpoint, { status: 0 })).toEqual([attempt.invoiceShop200]);
      expect(await byEndpoint(shopEndpoint, { status: 2 })).toEqual([attempt.refundShopNone, attempt.signupShop404, attempt.invoiceShop500]);
      // An attempt is over once recorded: never pending, sending or canceled.
      for (const status of [1, 3, 4]) expect(await byEndpoint(shopEndpoint, { status })).toEqual([]);
    });

    it('narrows by status code class, 0 meaning no response', async () => {
      expect(await byEndpoint(shopEndpoint, { statusCodeClass: 0 })).toEqual([attempt.refundShopNone]);
      expect(await byEndpoint(crmEndpoint, { statusCodeClass: 100 })).toEqual([attempt.signupCrm102]);
      expect(await byEndpoint(crmEndpoint, { statusCodeClass: 200 })).toEqual([attempt.signupCrm204]);
      expect(await byEndpoint(crmEndpoint, { statusCodeClass: 300 })).toEqual([attempt.invoiceCrm302]);
      expect(await byEndpoint(shopEndpoint, { statusCodeClass: 400 })).toEqual([attempt.signupShop404]);
      expect(await byEndpoint(shopEndpoint, { statusCodeClass: 500 })).toEqual([attempt.invoiceShop500]);
    });

    it("narrows by the message's event type and channel", async () => {
      expect(await byEndpoint(shopEndpoint, { eventTypes: ['invoice.paid'] })).toEqual([attempt.invoiceShop200, attempt.invoiceShop500]);
      expect(await byEndpoint(shopEndpoint, { eventTypes: ['invoice.refunded', 'user.created'] })).toEqual([attempt.refundShopNone, attempt.signupShop404]);
      expect(await byEndpoint(shopEndpoint, { channel: 'us' })).toEqual([attempt.refundShopNone, attempt.signupShop404]);
      expect(await byEndpoint(crmEndpoint, { channel: 'eu' })).toEqual([attempt.invoiceCrm302]);
    });

    it('narrows by time, both bounds excluded', async () => {
      expect(await byEndpoint(shopEndpoint, { after: t(2) })).toEqual([attempt.refundShopNone, attempt.signupShop404]);
      expect(await byEndpoint(shopEndpoint, { before: t(2) })).toEqual([attempt.invoiceShop500]);
      expect(await byEndpoint(shopEndpoint, { after: t(1), before: t(4) })).toEqual([attempt.signupShop404, attempt.invoiceShop200]);
    });

    it('goes by when an attempt was made, not by when its id was minted', async () => {
      const slowMessage = await suite.log.createMessage({ appId, endpointIds: [shopEndpoint], eventType: 'slow.receiver', at: t(40) });
      const at = t(41);
      const slow = await suite.log.createAttempt({ messageId: slowMessage, endpointId: shopEndpoint, at, idAt: new Date(at.getTime() + 15_000) });
      const options = { eventTypes: ['slow.receiver'] };

      expect(await byEndpoint(shopEndpoint, { ...options, before: new Date(at.getTime() + 1) })).toEqual([slow]);
      expect(await byEndpoint(shopEndpoint, { ...options, after: new Date(at.getTime() - 1) })).toEqual([slow]);
      expect(await byEndpoint(shopEndpoint, { ...options, before: at })).toEqual([]);
      expect(await byEndpoint(shopEndpoint, { ...options, after: at })).toEqual([]);
    });

    it('combines filters', async () => {
      expect(await byEndpoint(shopEndpoint, { status: 2, channel: 'eu', eventTypes: ['invoice.paid', 'invoice.refunded'] })).toEqual([
        attempt.refundShopNone,
        attempt.invoiceShop500,
      ]);
      expect(await byEndpoint(shopEndpoint, { status: 2, statusCodeClass: 500, channel: 'eu', after: t(1) })).toEqual([]);
      expect(await byEndpoint(crmEndpoint, { status: 0, channel: 'us', before: t(7) })).toEqual([]);
      expect(await byEndpoint(crmEndpoint, { status: 0, channel: 'us' })).toEqual([attempt.signupCrm204]);
    });

    it('answers 404 for an endpoint of another application and 422 for a malformed filter', async () => {
      expect((await svixError(suite.svix.messageAttempt.listByEndpoint(appId, otherEndpoint))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.listByEndpoint(appId, 'ep_unknown'))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.listByEndpoint(otherAppId, crmEndpoint))).code).toBe(404);
      for (const query of ['status_code_class=250', 'status=9', 'channel=a%20b', 'event_types=a%20b', 'after=soon', 'limit=251']) {
        const response = await suite.get(`/api/v1/app/${appId}/attempt/endpoint/${shopEndpoint}?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 422 });
      }
    });
  });

  describe('by message', () => {
    it('lists every endpoint’s attempts, or one endpoint’s by id or uid', async () => {
      expect(await byMessage(signup)).toEqual([attempt.signupCrm204, attempt.signupCrm102, attempt.signupShop404]);
      expect(await byMessage(signup, { endpointId: crmEndpoint })).toEqual([attempt.signupCrm204, attempt.signupCrm102]);
      expect(await byMessage(signup, { endpointId: 'shop' })).toEqual([attempt.signupShop404]);
    });

    it('narrows by status, status code class, time and event type', async () => {
      expect(await byMessage(invoice, { status: 2 })).toEqual([attempt.invoiceCrm302, attempt.invoiceShop500]);
      expect(await byMessage(invoice, { statusCodeClass: 300 })).toEqual([attempt.invoiceCrm302]);
      expect(await byMessage(invoice, { before: t(5) })).toEqual([attempt.invoiceShop200, attempt.invoiceShop500]);
      expect(await byMessage(invoice, { eventTypes: ['user.created'] })).toEqual([]);
      expect(await byMessage(invoice, { status: 2, endpointId: shopEndpoint, after: t(0) })).toEqual([attempt.invoiceShop500]);
    });

    it("answers 404 for another application's message or endpoint", async () => {
      expect((await svixError(suite.svix.messageAttempt.listByMsg(appId, otherMessage))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.listByMsg(appId, invoice, { endpointId: otherEndpoint }))).code).toBe(404);
    });
  });

  it('pages without skipping or repeating an attempt while attempts are recorded', async () => {
    const existing: string[] = [];
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) messages.push(await suite.log.createMessage({ appId, endpointIds: [crmEndpoint], eventType: 'paging', at: t(10) }));
    for (let i = 0; i < 25; i++) {
      existing.push(await suite.log.createAttempt({ messageId: messages[i % 5], endpointId: crmEndpoint, statusCode: 503, at: new Date(start + (20 + i) * MINUTE) }));
    }

    let paging = true;
    let recorded = 0;
    const recording = (async () => {
      while (paging) {
        // A new attempt, and one recorded late with a time inside the span being walked.
        await suite.log.createAttempt({ messageId: messages[recorded % 5], endpointId: crmEndpoint, statusCode: 503 });
        await suite.log.createAttempt({ messageId: messages[recorded % 5], endpointId: crmEndpoint, statusCode: 503, at: new Date(start + (20 + Math.random() * 25) * MINUTE) });
        recorded += 2;
      }
    })();

    const seen: string[] = [];
    try {
      let page = await suite.svix.messageAttempt.listByEndpoint(appId, crmEndpoint, { limit: 3, eventTypes: ['paging'] });
      seen.push(...page.data.map((item) => item.id));
      while (!page.done) {
        page = await suite.svix.messageAttempt.listByEndpoint(appId, crmEndpoint, { limit: 3, eventTypes: ['paging'], iterator: page.iterator });
        seen.push(...page.data.map((item) => item.id));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      paging = false;
      await recording;
    }

    expect(recorded).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => existing.includes(id))).toEqual([...existing].reverse());
  });

  describe("a message's destinations", () => {
    let fanOut: string;
    let endpoints: string[];

    beforeAll(async () => {
      endpoints = [];
      for (const name of ['a', 'b', 'c']) endpoints.push((await suite.svix.endpoint.create(appId, { url: `https://${name}.example.com/hook` })).id);
      fanOut = await suite.log.createMessage({ appId, endpointIds: endpoints, at: t(30) });
      await suite.log.setDeliveryStatus(fanOut, endpoints[0], DeliveryStatus.Pending, t(90));
      await suite.log.setDeliveryStatus(fanOut, endpoints[1], DeliveryStatus.Succeeded);
      await suite.log.setDeliveryStatus(fanOut, endpoints[2], DeliveryStatus.Canceled);
    });

    it('lists the endpoints a message was sent to, each with its delivery status and next attempt', async () => {
      const destinations = await suite.svix.messageAttempt.listAttemptedDestinations(appId, fanOut);

      expect(destinations.data.map((destination) => [destination.id, destination.status, destination.statusText])).toEqual([
        [endpoints[0], 1, 'pending'],
        [endpoints[1], 0, 'success'],
        [endpoints[2], 4, 'canceled'],
      ]);
      expect(destinations.data[0]).toMatchObject({ url: 'https://a.example.com/hook', nextAttempt: t(90), version: 1, disabled: false });
      expect(destinations.data[0].createdAt).toBeInstanceOf(Date);
      expect(destinations.data[1].nextAttempt).toBeNull();
      expect(destinations.done).toBe(true);
    });

    it('pages them by endpoint id', async () => {
      const first = await suite.svix.messageAttempt.listAttemptedDestinations(appId, fanOut, { limit: 2 });
      const second = await suite.svix.messageAttempt.listAttemptedDestinations(appId, fanOut, { limit: 2, iterator: first.iterator });

      expect(first.data.map((destination) => destination.id)).toEqual(endpoints.slice(0, 2));
      expect(first.done).toBe(false);
      expect(second.data.map((destination) => destination.id)).toEqual(endpoints.slice(2));
      expect(second.done).toBe(true);
    });

    it("answers 404 for another application's message", async () => {
      expect((await svixError(suite.svix.messageAttempt.listAttemptedDestinations(appId, otherMessage))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.listAttemptedDestinations(otherAppId, fanOut))).code).toBe(404);
    });
  });

  describe("an endpoint's messages", () => {
    let endpoint: string;
    let older: string;
    let newer: string;
    let newest: string;

    beforeAll(async () => {
      endpoint = (await suite.svix.endpoint.create(appId, { url: 'https://d.example.com/hook', uid: 'messages-of' })).id;
      older = await suite.log.createMessage({ appId, endpointIds: [endpoint], eventType: 'invoice.paid', channels: ['eu'], at: t(40) });
      newer = await suite.log.createMessage({ appId, endpointIds: [endpoint], eventType: 'user.created', at: t(41) });
      newest = await suite.log.createMessage({ appId, endpointIds: [endpoint], eventType: 'invoice.paid', at: t(42) });
      await suite.log.setDeliveryStatus(older, endpoint, DeliveryStatus.Succeeded);
      await suite.log.setDeliveryStatus(newer, endpoint, DeliveryStatus.Failed);
      await suite.log.setDeliveryStatus(newest, endpoint, DeliveryStatus.Pending, t(95));
    });

    const messagesOf = async (options: Parameters<LogSuite['svix']['messageAttempt']['listAttemptedMessages']>[2] = {}) =>
      (await suite.svix.messageAttempt.listAttemptedMessages(appId, endpoint, options)).data.map((message) => message.id);

    it('lists the messages sent to an endpoint, newest first, each with its delivery status, through the svix client', async () => {
      const list = await suite.svix.messageAttempt.listAttemptedMessages(appId, 'messages-of');

      expect(list.data.map((message) => [message.id, message.status, message.statusText])).toEqual([
        [newest, 1, 'pending'],
        [newer, 2, 'fail'],
        [older, 0, 'success'],
      ]);
      expect(list.data[0]).toMatchObject({ eventType: 'invoice.paid', nextAttempt: t(95) });
      expect(list.data[0].payload).not.toEqual({});
      expect(list.data[2]).toMatchObject({ channels: ['eu'], nextAttempt: null });
      expect(list.done).toBe(true);
    });

    it('narrows by delivery status, event type, channel and time, and leaves payloads out on request', async () => {
      expect(await messagesOf({ status: 2 })).toEqual([newer]);
      expect(await messagesOf({ eventTypes: ['invoice.paid'] })).toEqual([newest, older]);
      expect(await messagesOf({ channel: 'eu' })).toEqual([older]);
      expect(await messagesOf({ after: t(40), before: t(42) })).toEqual([newer]);
      const bare = await suite.svix.messageAttempt.listAttemptedMessages(appId, endpoint, { withContent: false });
      expect(bare.data.map((message) => message.payload)).toEqual([{}, {}, {}]);
    });

    it('pages by message id', async () => {
      const first = await suite.svix.messageAttempt.listAttemptedMessages(appId, endpoint, { limit: 2 });
      const second = await suite.svix.messageAttempt.listAttemptedMessages(appId, endpoint, { limit: 2, iterator: first.iterator });

      expect(first.data.map((message) => message.id)).toEqual([newest, newer]);
      expect(first.done).toBe(false);
      expect(second.data.map((message) => message.id)).toEqual([older]);
      expect(second.done).toBe(true);
    });

    it("answers 404 for another application's endpoint and 422 for a malformed filter", async () => {
      expect((await svixError(suite.svix.messageAttempt.listAttemptedMessages(appId, otherEndpoint))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.listAttemptedMessages(otherAppId, endpoint))).code).toBe(404);
      expect((await suite.get(`/api/v1/app/${appId}/endpoint/${endpoint}/msg?status=7`)).status).toBe(422);
      expect((await suite.get(`/api/v1/app/${appId}/endpoint/${endpoint}/msg?with_content=maybe`)).status).toBe(422);
    });
  });

  describe('one attempt', () => {
    let detailed: string;

    beforeAll(async () => {
      detailed = await suite.log.createAttempt({
        messageId: refund,
        endpointId: crmEndpoint,
        statusCode: 400,
        response: '{"error":"bad signature"}',
        durationMs: 87,
        at: t(9),
        // As if a worker had stored them unredacted: the API redacts again on the way out.
        requestHeaders: {
          'content-type': 'application/json',
          'webhook-id': refund,
          'webhook-timestamp': '1700000000',
          'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
          'Svix-Signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
        },
      });
    });

    it('gets an attempt with its response, through the svix client', async () => {
      const found = await suite.svix.messageAttempt.get(appId, refund, detailed);
      expect(found).toMatchObject({
        id: detailed,
        msgId: refund,
        endpointId: crmEndpoint,
        url: 'https://crm.example.com/hook',
        response: '{"error":"bad signature"}',
        responseStatusCode: 400,
        responseDurationMs: 87,
        status: 2,
        statusText: 'fail',
        triggerType: 0,
        timestamp: t(9),
      });
    });

    it('shows the request headers it was sent with, signatures redacted', async () => {
      const response = await suite.get(`/api/v1/app/${appId}/msg/${refund}/attempt/${detailed}`);

      expect(response.status).toBe(200);
      expect(response.body.requestHeaders).toEqual({
        'content-type': 'application/json',
        'webhook-id': refund,
        'webhook-timestamp': '1700000000',
        'webhook-signature': '[redacted]',
        'Svix-Signature': '[redacted]',
      });
      expect(response.body.attemptNumber).toBe(1);
      expect(JSON.stringify(response.body)).not.toContain('K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN');
    });

    it('leaves response bodies out of the attempt lists asked with_content=false (`{}`, as Svix shows it)', async () => {
      const responseIn = async (list: ReturnType<LogSuite['svix']['messageAttempt']['listByMsg']>) =>
        (await list).data.filter((item) => item.id === detailed).map((item) => item.response);

      expect(await responseIn(suite.svix.messageAttempt.listByMsg(appId, refund))).toEqual(['{"error":"bad signature"}']);
      expect(await responseIn(suite.svix.messageAttempt.listByMsg(appId, refund, { withContent: false }))).toEqual(['{}']);
      const refunds = { eventTypes: ['invoice.refunded'] };
      expect(await responseIn(suite.svix.messageAttempt.listByEndpoint(appId, crmEndpoint, { ...refunds, withContent: true }))).toEqual(['{"error":"bad signature"}']);
      expect(await responseIn(suite.svix.messageAttempt.listByEndpoint(appId, crmEndpoint, { ...refunds, withContent: false }))).toEqual(['{}']);
      expect((await suite.get(`/api/v1/app/${appId}/attempt/msg/${refund}?with_content=maybe`)).status).toBe(422);
    });

    it('answers 404 for an attempt of another message, another application or none', async () => {
      expect((await svixError(suite.svix.messageAttempt.get(appId, invoice, detailed))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.get(appId, refund, attempt.other))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.get(otherAppId, otherMessage, detailed))).code).toBe(404);
      expect((await svixError(suite.svix.messageAttempt.get(appId, refund, 'atmpt_01JB0000000000000000000000'))).code).toBe(404);
      const unknown = await svixError(suite.svix.messageAttempt.get(appId, otherMessage, attempt.other));
      expect(unknown).toEqual({ code: 404, body: { code: 'not_found', detail: expect.any(String) } });
    });
  });
});
