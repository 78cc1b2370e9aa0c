import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { MemoryDedupStore } from './memory-dedup-store';
import { MemoryVersionGuard } from './memory-version-guard';
import { DuplicateDelivery, IncomingWebhook, PermanentRejection, WebhookDelivery, WebhookReceiver } from './webhook-receiver';

const secret = `whsec_${randomBytes(24).toString('base64')}`;

function signed(options: { id?: string; body?: string; key?: string; headers?: Record<string, string> } = {}): IncomingWebhook {
  const id = options.id ?? `msg_${randomUUID()}`;
  const body = options.body ?? JSON.stringify({ type: 'order.paid', orderId: 'ord_1' });
  const at = new Date();
  return {
    body: Buffer.from(body),
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new StandardWebhook(options.key ?? secret).sign(id, at, body),
      ...options.headers,
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe(WebhookReceiver.name, () => {
  it('runs the handler with the verified delivery and answers 200', async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const seen: unknown[] = [];
    const incoming = signed({ id: 'msg_abc' });

    const response = await sut.receive(incoming, (delivery) => {
      seen.push([delivery.id, delivery.payload]);
    });

    expect(response.status).toBe(200);
    expect(response.outcome).toBe('processed');
    expect(seen).toEqual([['msg_abc', { type: 'order.paid', orderId: 'ord_1' }]]);
  });

  it('acknowledges a redelivery, re-signed as a retry is, with 200 and Idem-Duplicate without running the handler', async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    let runs = 0;
    await sut.receive(signed({ id: 'msg_1' }), () => runs++);

    const response = await sut.receive(signed({ id: 'msg_1' }), () => runs++);

    expect(response.status).toBe(200);
    expect(response.headers['idem-duplicate']).toBe('true');
    expect(runs).toBe(1);
  });

  it('answers 409 with Retry-After to a delivery of a message still being processed', async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const gate = deferred();
    const first = sut.receive(signed({ id: 'msg_1' }), () => gate.promise);

    const second = await sut.receive(signed({ id: 'msg_1' }), () => undefined);
    gate.resolve();

    expect(second.status).toBe(409);
    expect(second.headers['retry-after']).toBe('5');
    expect((await first).status).toBe(200);
  });

  it('answers 401 to a bad signature and 400 to a malformed delivery, without running the handler', async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const handler = jest.fn();
    const wrongSecret = signed({ key: `whsec_${randomBytes(24).toString('base64')}` });
    const noHeaders = { body: '{}', headers: {} };
    const notJson = signed({ body: '{"unterminated' });

    const responses = [await sut.receive(wrongSecret, handler), await sut.receive(noHeaders, handler), await sut.receive(notJson, handler)];

    expect(responses.map((response) => response.status)).toEqual([401, 400, 400]);
    expect(responses.map((response) => JSON.parse(response.body).reason)).toEqual(['no_matching_signature', 'missing_headers', 'malformed_payload']);
    expect(handler).not.toHaveBeenCalled();
    expect(sut.counters.rejected).toBe(3);
  });

  it('answers 500 when the handler throws and processes the redelivery', async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const failure = new Error('database unavailable');

    const crashed = await sut.receive(signed({ id: 'msg_1' }), () => Promise.reject(failure));
    const retried = await sut.receive(signed({ id: 'msg_1' }), () => 'ok');

    expect(crashed).toMatchObject({ status: 500, outcome: 'failed', error: failure });
    expect(retried).toMatchObject({ status: 200, outcome: 'processed' });
  });

  it('in observe mode runs the handler for duplicates too and reports them', async () => {
    const reported: DuplicateDelivery[] = [];
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore(), mode: 'observe', onDuplicate: (duplicate) => reported.push(duplicate) });
    let runs = 0;

    const responses = [await sut.receive(signed({ id: 'msg_1' }), () => runs++), await sut.receive(signed({ id: 'msg_1' }), () => runs++)];

    expect(runs).toBe(2);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(responses[1].headers['idem-duplicate']).toBeUndefined();
    expect(reported.map(({ delivery, kind, mode }) => [delivery.id, kind, mode])).toEqual([['msg_1', 'duplicate', 'observe']]);
    expect(sut.counters).toMatchObject({ processed: 2, duplicates: 1 });
  });

  it('in enforce mode reports duplicates to the same callback and counters', async () => {
    const reported: DuplicateDelivery[] = [];
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore(), onDuplicate: (duplicate) => reported.push(duplicate) });

    await sut.receive(signed({ id: 'msg_1' }), () => undefined);
    await sut.receive(signed({ id: 'msg_1' }), () => undefined);

    expect(reported.map(({ kind, mode }) => [kind, mode])).toEqual([['duplicate', 'enforce']]);
    expect(sut.counters).toMatchObject({ processed: 1, duplicates: 1 });
  });

  it("reads the entity Idem names in its headers, and answers a version guard's refusal with webhook-outcome: stale", async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const guard = new MemoryVersionGuard();
    const applied: bigint[] = [];
    const handler = (delivery: WebhookDelivery) => guard.applyIfNewer(delivery, async () => void applied.push(delivery.entity!.version!));
    const deliveryOf = (version: number) => signed({ headers: { 'idem-entity': 'order:o%3A1', 'idem-entity-version': String(version) } });

    const newer = await sut.receive(deliveryOf(2), handler);
    const older = await sut.receive(deliveryOf(1), handler);

    expect(newer.status).toBe(200);
    expect(newer.headers['webhook-outcome']).toBeUndefined();
    expect(older.status).toBe(200);
    expect(older.headers['webhook-outcome']).toBe('stale');
    expect(applied).toEqual([2n]);
    const seen: unknown[] = [];
    await sut.receive(deliveryOf(3), (delivery) => void seen.push(delivery.entity));
    expect(seen).toEqual([{ key: 'order:o:1', name: 'order', id: 'o:1', version: 3n }]);
  });

  it('answers a PermanentRejection with 422 and webhook-outcome: rejected, distinct from a crash, and releases the message', async () => {
    const sut = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const incoming = signed();

    const refused = await sut.receive(incoming, () => {
      throw new PermanentRejection('out of stock');
    });
    const crashed = await sut.receive(signed(), () => {
      throw new Error('database down');
    });

    expect([refused.status, refused.headers['webhook-outcome'], JSON.parse(refused.body)]).toEqual([422, 'rejected', { status: 'refused', reason: 'out of stock' }]);
    expect([crashed.status, crashed.headers['webhook-outcome']]).toEqual([500, undefined]);
    expect(sut.counters).toMatchObject({ refused: 1, failed: 1, processed: 0 });
    expect((await sut.receive(incoming, () => 'now it works')).status).toBe(200);
  });
});
