import { LogSuite, startLogSuite } from './support/log-suite';

const MINUTE = 60_000;

/** The message log through the svix client: filters, and iterator pages that hold still while messages arrive. */
describe('Message log', () => {
  let suite: LogSuite;

  beforeAll(async () => {
    suite = await startLogSuite();
  });

  afterAll(async () => {
    await suite?.close();
  });

  const newApplication = async () => (await suite.svix.application.create({ name: 'message log' })).id;

  describe('filters', () => {
    let appId: string;
    /** Accepted a minute apart, in this order. */
    let euInvoice: string;
    let usInvoice: string;
    let euUser: string;
    let deletedUser: string;
    let at: Date[];

    beforeAll(async () => {
      appId = await newApplication();
      const start = Date.now() - 10 * MINUTE;
      at = [0, 1, 2, 3].map((i) => new Date(start + i * MINUTE));
      euInvoice = await suite.log.createMessage({ appId, eventType: 'invoice.paid', channels: ['eu'], at: at[0] });
      usInvoice = await suite.log.createMessage({ appId, eventType: 'invoice.paid', channels: ['us'], at: at[1] });
      euUser = await suite.log.createMessage({ appId, eventType: 'user.created', channels: ['eu', 'beta'], at: at[2] });
      deletedUser = await suite.log.createMessage({ appId, eventType: 'user.deleted', at: at[3] });
    });

    const ids = async (options: Parameters<LogSuite['svix']['message']['list']>[1]) =>
      (await suite.svix.message.list(appId, options)).data.map((message) => message.id);

    it('narrows by each filter, newest first', async () => {
      expect(await ids({})).toEqual([deletedUser, euUser, usInvoice, euInvoice]);
      expect(await ids({ eventTypes: ['invoice.paid'] })).toEqual([usInvoice, euInvoice]);
      expect(await ids({ eventTypes: ['invoice.paid', 'user.deleted'] })).toEqual([deletedUser, usInvoice, euInvoice]);
      expect(await ids({ channel: 'eu' })).toEqual([euUser, euInvoice]);
      expect(await ids({ channel: 'beta' })).toEqual([euUser]);
      expect(await ids({ after: at[1] })).toEqual([deletedUser, euUser]);
      expect(await ids({ before: at[2] })).toEqual([usInvoice, euInvoice]);
    });

    it('goes by when a message was accepted, not by when its id was minted', async () => {
      const accepted = new Date(Date.now() - 30 * MINUTE);
      const late = await suite.log.createMessage({ appId, eventType: 'late.commit', at: accepted, idAt: new Date(accepted.getTime() - 20_000) });

      expect(await ids({ eventTypes: ['late.commit'], after: new Date(accepted.getTime() - 1) })).toEqual([late]);
      expect(await ids({ eventTypes: ['late.commit'], before: new Date(accepted.getTime() + 1) })).toEqual([late]);
      expect(await ids({ eventTypes: ['late.commit'], after: accepted })).toEqual([]);
      expect(await ids({ eventTypes: ['late.commit'], before: accepted })).toEqual([]);
    });

    it('combines filters', async () => {
      expect(await ids({ eventTypes: ['invoice.paid'], channel: 'eu' })).toEqual([euInvoice]);
      expect(await ids({ eventTypes: ['user.created', 'user.deleted', 'invoice.paid'], after: at[0], before: at[3] })).toEqual([euUser, usInvoice]);
      expect(await ids({ channel: 'us', after: at[1] })).toEqual([]);
    });

    it('refuses a limit over 250 and a malformed channel or time with 422', async () => {
      expect((await suite.get(`/api/v1/app/${appId}/msg?limit=250`)).status).toBe(200);
      for (const query of ['limit=251', 'limit=0', 'channel=has%20space', 'before=yesterday']) {
        const response = await suite.get(`/api/v1/app/${appId}/msg?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 422 });
      }
    });
  });

  it('pages newest first without skipping or repeating a message while others are accepted, newer and older', async () => {
    const appId = await newApplication();
    const start = Date.now() - 60 * MINUTE;
    const existing: string[] = [];
    for (let i = 0; i < 30; i++) existing.push(await suite.log.createMessage({ appId, at: new Date(start + i * MINUTE) }));

    let paging = true;
    let inserted = 0;
    // Through the API (newer than every page) and straight into the table at times the walk has passed
    // or not reached yet, as a transaction that committed late would.
    const inserting = (async () => {
      while (paging) {
        await suite.svix.message.create(appId, { eventType: 'late.arrival', payload: { inserted } });
        await suite.log.createMessage({ appId, eventType: 'late.arrival', at: new Date(start + Math.random() * 30 * MINUTE) });
        inserted += 2;
      }
    })();

    const seen: string[] = [];
    try {
      let page = await suite.svix.message.list(appId, { limit: 4 });
      seen.push(...page.data.map((message) => message.id));
      while (!page.done) {
        page = await suite.svix.message.list(appId, { limit: 4, iterator: page.iterator });
        seen.push(...page.data.map((message) => message.id));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      paging = false;
      await inserting;
    }

    expect(inserted).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => existing.includes(id))).toEqual([...existing].reverse());
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('walks back one page with prevIterator', async () => {
    const appId = await newApplication();
    const start = Date.now() - 10 * MINUTE;
    for (let i = 0; i < 9; i++) await suite.log.createMessage({ appId, at: new Date(start + i * 1000) });

    const first = await suite.svix.message.list(appId, { limit: 3 });
    const second = await suite.svix.message.list(appId, { limit: 3, iterator: first.iterator });
    const back = await suite.svix.message.list(appId, { limit: 3, iterator: second.prevIterator });

    expect(back.data.map((message) => message.id)).toEqual(first.data.map((message) => message.id));
  });
});
