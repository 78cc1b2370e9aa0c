import { mintIdempotencyKey, uuidV5 } from './idempotency-key';

describe(mintIdempotencyKey.name, () => {
  const identity = { source: 'orders', entity: 'order:8412', version: 7 };

  it('mints the same key for the same source event, in any process and any release', () => {
    // Pinned: a change here would make retries after an upgrade carry a different key.
    expect(mintIdempotencyKey(identity)).toBe(mintIdempotencyKey({ ...identity }));
    expect(mintIdempotencyKey(identity)).toBe('c5e66df7-31b8-5541-9e0b-824755dda917');
  });

  it('mints different keys for another version, entity, source or event type', () => {
    const keys = new Set([
      mintIdempotencyKey(identity),
      mintIdempotencyKey({ ...identity, version: 8 }),
      mintIdempotencyKey({ ...identity, entity: 'order:8413' }),
      mintIdempotencyKey({ ...identity, source: 'billing' }),
      mintIdempotencyKey({ ...identity, eventType: 'order.paid' }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('keeps the parts apart, so shifting a separator changes the key', () => {
    expect(mintIdempotencyKey({ source: 'a.b', entity: 'c', version: 1 })).not.toBe(mintIdempotencyKey({ source: 'a', entity: 'b.c', version: 1 }));
  });

  it('treats a numeric and a string version alike', () => {
    expect(mintIdempotencyKey({ ...identity, version: '7' })).toBe(mintIdempotencyKey(identity));
    expect(mintIdempotencyKey({ ...identity, version: 7n })).toBe(mintIdempotencyKey(identity));
  });

  it('refuses an empty part', () => {
    expect(() => mintIdempotencyKey({ ...identity, entity: '' })).toThrow(/empty/);
  });
});

describe(uuidV5.name, () => {
  it('matches the RFC 9562 example for www.example.com in the DNS namespace', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('sets the version 5 and RFC variant bits', () => {
    expect(uuidV5('anything')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
