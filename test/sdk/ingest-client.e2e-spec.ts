import { IdemClient, IdemIngestError, mintIdempotencyKey } from '@idem/sdk/emitter';
import { FakeIngestServer, IngestRequest, ScriptedResponse } from './support/fake-ingest-server';

describe(IdemClient.name, () => {
  let server: FakeIngestServer;
  let sut: IdemClient;
  const event = { eventType: 'invoice.paid', payload: { invoiceId: 'inv_1', amount: 4200 } };

  beforeEach(async () => {
    server = await new FakeIngestServer().start();
    sut = new IdemClient({ baseUrl: server.url, token: 'tok_test', retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 4 } });
  });

  afterEach(() => server.stop());

  /** Answers the first `times` requests with `response`, then lets the fake's rules answer. */
  function failFirst(times: number, response: ScriptedResponse): void {
    let remaining = times;
    server.script = () => (remaining-- > 0 ? response : undefined);
  }

  it('sends the message with the key as Idempotency-Key and eventId, and reports a replay', async () => {
    const idempotencyKey = mintIdempotencyKey({ source: 'billing', entity: 'invoice:inv_1', version: 3 });

    const first = await sut.sendMessage('app_billing', event, { idempotencyKey });
    const second = await sut.sendMessage('app_billing', event, { idempotencyKey });

    expect(server.requests[0]).toMatchObject<Partial<IngestRequest>>({
      app: 'app_billing',
      key: idempotencyKey,
      authorization: 'Bearer tok_test',
      body: { ...event, eventId: idempotencyKey },
    });
    expect([first.replayed, second.replayed]).toEqual([false, true]);
    expect(second.message.id).toBe(first.message.id);
    expect(server.acceptedByKey.get(idempotencyKey)).toBe(1);
  });

  it('retries 5xx and an in-flight 409 until accepted', async () => {
    const answers = [
      { status: 503, body: { code: 'unavailable' } },
      { status: 409, body: { code: 'idempotency_in_flight' } },
    ];
    server.script = () => answers.shift();

    const sent = await sut.sendMessage('app', event, { idempotencyKey: 'key-retry' });

    expect(sent.attempts).toBe(3);
    expect(server.requests.map((request) => request.key)).toEqual(['key-retry', 'key-retry', 'key-retry']);
  });

  it('waits out Retry-After on a 429 before trying again', async () => {
    failFirst(1, { status: 429, headers: { 'retry-after': '1' }, body: { code: 'rate_limited' } });

    await sut.sendMessage('app', event, { idempotencyKey: 'key-429' });

    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(1000);
  });

  it.each([
    ['a 409 conflict (the event id came with another body)', { status: 409, body: { code: 'conflict', detail: 'eventId reused' } }, 'conflict'],
    ['a 422', { status: 422, body: { code: 'validation', detail: 'eventType required' } }, 'validation'],
    ['a 401', { status: 401, body: { code: 'authentication_failed' } }, 'authentication_failed'],
  ])('fails at once, permanently, on %s', async (_, response, code) => {
    server.script = () => response;

    const error = await sut.sendMessage('app', event, { idempotencyKey: 'key-refused' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(IdemIngestError);
    expect(error).toMatchObject({ permanent: true, code, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after the last attempt with a retryable error', async () => {
    server.script = () => ({ status: 502 });

    const error = await sut.sendMessage('app', event, { idempotencyKey: 'key-down' }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ permanent: false, status: 502, attempts: 4 });
    expect(server.requests).toHaveLength(4);
  });

  it('retries when the server cannot be reached', async () => {
    const unreachable = new IdemClient({ baseUrl: 'http://127.0.0.1:9', token: 't', retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });

    const error = await unreachable.sendMessage('app', event, { idempotencyKey: 'k' }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ permanent: false, attempts: 2 });
  });

  it('sendMessages retries a batch create that failed as a whole, and reports each message on its own', async () => {
    failFirst(1, { status: 503, body: { code: 'unavailable' } });
    server.script = ((first) => (request: IngestRequest) => (request.key === 'refused-one' ? { status: 422, body: { code: 'validation', detail: 'no' } } : first(request)))(server.script!);

    const results = await sut.sendMessages('app_billing', [
      { message: event, idempotencyKey: 'batch-1' },
      { message: event, idempotencyKey: 'refused-one' },
    ]);

    expect(results.map((result) => result.outcome)).toEqual(['accepted', 'rejected']);
    expect(new Set(server.requests.map((request) => request.call)).size).toBe(2);
    expect(server.requests.every((request) => request.body.eventId === request.key)).toBe(true);
  });
});
