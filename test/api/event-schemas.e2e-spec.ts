import { ApiSuite, startApiSuite } from './support/api-suite';

const INVOICE_SCHEMA = {
  '1': {
    type: 'object',
    required: ['amount', 'currency'],
    properties: { amount: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
  },
};

describe('Event schemas applied to payloads (schemaEnforcement)', () => {
  let suite: ApiSuite;
  let appId: string;

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Schemas' })).id;
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/hook' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  const createEventType = (name: string, schemaEnforcement: string, schemas: unknown = INVOICE_SCHEMA) =>
    suite.request('POST', '/api/v1/event-type', { body: { name, description: name, schemas, schemaEnforcement } });
  const createMessage = (eventType: string, payload: unknown) => suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType, payload } });

  it('refuses a payload that breaks an enforced schema with 422 naming the pointer and rule, and writes nothing', async () => {
    expect((await createEventType('invoice.enforced', 'enforce')).body.schemaEnforcement).toBe('enforce');

    const wrongType = await createMessage('invoice.enforced', { amount: 'ten', currency: 'EUR' });
    const missing = await createMessage('invoice.enforced', { amount: 10 });
    const valid = await createMessage('invoice.enforced', { amount: 10, currency: 'EUR' });

    expect(wrongType.status).toBe(422);
    expect(wrongType.body.detail).toEqual([{ loc: ['body', 'payload', 'amount'], msg: expect.stringContaining('type at /amount'), type: 'value_error.jsonschema.type' }]);
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'payload', 'currency'], type: 'value_error.jsonschema.required' })]);
    expect(valid.status).toBe(202);
    expect(valid.body.schemaViolations).toBeUndefined();
    expect(await suite.count('messages', 'event_type = $1', ['invoice.enforced'])).toBe(1);
  });

  it('accepts a payload that breaks an observed schema and records on the message where it broke', async () => {
    await createEventType('invoice.observed', 'observe');

    const response = await createMessage('invoice.observed', { amount: -1, currency: 'euro' });

    expect(response.status).toBe(202);
    const violations = [
      { pointer: '/amount', rule: 'minimum', message: expect.any(String) },
      { pointer: '/currency', rule: 'pattern', message: expect.any(String) },
    ];
    expect(response.body.schemaViolations).toEqual(violations);
    expect((await suite.request('GET', `/api/v1/app/${appId}/msg/${response.body.id}`)).body.schemaViolations).toEqual(violations);
    expect(await suite.count('deliveries', 'message_id = $1', [response.body.id])).toBe(1);
  });

  it('leaves schemas as documentation by default, as Svix does', async () => {
    const created = await createEventType('invoice.documented', undefined as unknown as string);
    expect(created.body.schemaEnforcement).toBe('off');

    const response = await createMessage('invoice.documented', { amount: 'anything' });

    expect(response.status).toBe(202);
    expect(response.body.schemaViolations).toBeUndefined();
  });

  it('applies a change of enforcement to the very next message', async () => {
    await createEventType('invoice.switched', 'off');
    expect((await createMessage('invoice.switched', { amount: 'x' })).status).toBe(202);

    expect((await suite.request('PATCH', '/api/v1/event-type/invoice.switched', { body: { schemaEnforcement: 'enforce' } })).status).toBe(200);
    expect((await createMessage('invoice.switched', { amount: 'x' })).status).toBe(422);

    const stricter = { '1': INVOICE_SCHEMA['1'], '2': { ...INVOICE_SCHEMA['1'], required: ['amount', 'currency', 'customer'] } };
    expect((await suite.request('PATCH', '/api/v1/event-type/invoice.switched', { body: { schemas: stricter } })).status).toBe(200);
    const missingCustomer = await createMessage('invoice.switched', { amount: 1, currency: 'EUR' });
    expect(missingCustomer.status).toBe(422);
    expect(missingCustomer.body.detail[0].loc).toEqual(['body', 'payload', 'customer']);
  });

  it('refuses to apply a schema that is missing or not a JSON Schema, naming the field', async () => {
    const none = await createEventType('invoice.no-schema', 'enforce', null);
    const broken = await createEventType('invoice.broken', 'observe', { '1': { type: 'no-such-type' } });
    const unknownMode = await createEventType('invoice.unknown-mode', 'strict');

    expect(none.status).toBe(422);
    expect(none.body.detail[0].loc).toEqual(['body', 'schemas']);
    expect(broken.status).toBe(422);
    expect(broken.body.detail[0].loc).toEqual(['body', 'schemas', '1']);
    expect(unknownMode.status).toBe(422);
    expect(unknownMode.body.detail[0].loc).toEqual(['body', 'schemaEnforcement']);
    expect(await suite.count('event_types', "name LIKE 'invoice.%' AND name IN ('invoice.no-schema', 'invoice.broken', 'invoice.unknown-mode')")).toBe(0);
  });

  it('refuses only the batch items whose payload breaks an enforced schema', async () => {
    const response = await suite.request('POST', `/api/v1/app/${appId}/msg/batch`, {
      body: {
        messages: [
          { eventType: 'invoice.enforced', payload: { amount: 1, currency: 'EUR' } },
          { eventType: 'invoice.enforced', payload: { amount: 1.5, currency: 'EUR' } },
        ],
      },
    });

    expect(response.body.data.map((item: { status: number }) => item.status)).toEqual([202, 422]);
    expect(response.body.data[1].error.detail[0].loc).toEqual(['body', 'messages', '1', 'payload', 'amount']);
  });
});
