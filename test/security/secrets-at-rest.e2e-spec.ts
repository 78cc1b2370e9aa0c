import { SecretCipher, SecretKey } from '@app/core';
import { EndpointSecretCipher, reencryptEndpointSecrets } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { Svix } from 'svix';
import { ApiProcess, runFromSource } from '../support/api-process';
import { FakeReceiver } from '../support/fake-receiver';
import { connectToDatabase, createTestEnvironment, endpointSecretCipherOf, TestEnvironment } from '../support/test-environment';
import { WorkerProcess } from '../support/worker-process';

const API_MAIN = 'apps/api/src/main.ts';
const WORKER_MAIN = 'apps/worker/src/main.ts';
const secretOf = (fill: number, bytes = 24) => 'whsec_' + Buffer.alloc(bytes, fill).toString('base64');
/** The part of a secret that is its key: what must not be found anywhere it is not meant to be. */
const keyPart = (secret: string) => secret.slice('whsec_'.length);

/**
 * Signing secrets are stored encrypted with IDEM_ENCRYPTION_KEY and shown only by the reveal call.
 * The API runs as a child process so its log output can be read; the worker signs real deliveries
 * that `standardwebhooks` verifies; Postgres is read directly to see what is stored.
 */
describe('Endpoint signing secrets at rest', () => {
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('hex');
  const GIVEN = secretOf(1, 32);
  const ROTATED_TO = secretOf(2);
  const LEGACY = secretOf(3);
  let environment: TestEnvironment;
  let db: Client;
  let api: ApiProcess | undefined;
  let worker: WorkerProcess | undefined;
  let svix: Svix;
  const receivers: FakeReceiver[] = [];
  /** Each endpoint of the scenario with the secret it signs with now (and, while rotating, the one before). */
  const endpoints: { appId: string; id: string; url: string; secret: string; previous?: string }[] = [];
  let appId: string;

  beforeAll(async () => {
    environment = await createTestEnvironment({ IDEM_ENCRYPTION_KEY: keyA, IDEM_LOG_LEVEL: 'trace', IDEM_RETRY_SCHEDULE: '200ms' });
    db = await connectToDatabase(environment.databaseUrl);
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await db?.end();
    await environment?.dispose();
  });

  async function start(keys: { IDEM_ENCRYPTION_KEY: string; IDEM_ENCRYPTION_KEYS_PREVIOUS?: string }, withWorker: boolean): Promise<void> {
    await api?.stop();
    await worker?.stop();
    const env = { ...environment.env, IDEM_ENCRYPTION_KEYS_PREVIOUS: '', ...keys };
    [api, worker] = await Promise.all([ApiProcess.start(env), withWorker ? WorkerProcess.start(env) : Promise.resolve(undefined)]);
    svix = new Svix(environment.adminToken, { serverUrl: api.url });
  }

  async function send(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    const response = await fetch(api!.url + path, {
      method,
      headers: { authorization: `Bearer ${environment.adminToken}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, text: await response.text() };
  }

  async function storedSecrets(): Promise<{ id: string; endpoint_id: string; secret: string }[]> {
    return (await db.query('SELECT id, endpoint_id, secret FROM endpoint_secrets ORDER BY id')).rows;
  }

  /** Every row of every table as text, found at run time so new tables are searched too. */
  async function everythingStored(): Promise<string> {
    const { rows: tables } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { table_name } of tables) {
      const { rows } = await db.query<{ text: string | null }>(`SELECT string_agg(t::text, E'\\n') AS text FROM "${table_name}" t`);
      dump += (rows[0].text ?? '') + '\n';
    }
    return dump;
  }

  async function newEndpoint(create: (url: string) => Promise<{ id: string }>): Promise<(typeof endpoints)[number]> {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const { id } = await create(receiver.url);
    const endpoint = { appId, id, url: receiver.url, secret: (await svix.endpoint.getSecret(appId, id)).key };
    endpoints.push(endpoint);
    return endpoint;
  }

  /** Sends a message to every endpoint and checks that `standardwebhooks` verifies each with the secret the reveal call gives. */
  async function expectDeliveriesVerify(): Promise<void> {
    const receiverOf = (endpoint: (typeof endpoints)[number]) => receivers.find((candidate) => candidate.url === endpoint.url)!;
    for (const endpoint of endpoints) {
      const revealed = (await svix.endpoint.getSecret(appId, endpoint.id)).key;
      expect(revealed).toBe(endpoint.secret);
      receiverOf(endpoint).verifyWith(revealed);
    }
    const message = await svix.message.create(appId, { eventType: 'secret.check', payload: { check: 'signatures' } });
    for (const endpoint of endpoints) {
      const receiver = receiverOf(endpoint);
      await receiver.waitFor((received) => received.some((webhook) => webhook.headers['webhook-id'] === message.id));
      const webhook = receiver.received.find((candidate) => candidate.headers['webhook-id'] === message.id)!;
      expect(webhook.verified).toBe(true);
      if (endpoint.previous) expect(() => new Webhook(endpoint.previous!).verify(webhook.body, webhook.headers as Record<string, string>)).not.toThrow();
    }
  }

  it('refuses to start the API or the worker without a key, or with a malformed one, naming the variable and never the key', async () => {
    const malformed = randomBytes(31).toString('base64');
    const [apiWithout, workerWithout, apiMalformed] = await Promise.all([
      runFromSource(API_MAIN, [], { ...environment.env, IDEM_ENCRYPTION_KEY: undefined, PORT: '0' }),
      runFromSource(WORKER_MAIN, [], { ...environment.env, IDEM_ENCRYPTION_KEY: undefined }),
      runFromSource(API_MAIN, [], { ...environment.env, IDEM_ENCRYPTION_KEY: malformed, PORT: '0' }),
    ]);
    for (const run of [apiWithout, workerWithout]) {
      expect(run.code).not.toBe(0);
      expect(run.output).toContain('IDEM_ENCRYPTION_KEY: is required');
    }
    expect(apiMalformed.code).not.toBe(0);
    expect(apiMalformed.output).toContain('IDEM_ENCRYPTION_KEY: must be 32 bytes written as base64 (44 characters) or hex (64 characters)');
    expect(apiMalformed.output).not.toContain(malformed.slice(0, 12));
  });

  describe('on one key', () => {
    beforeAll(async () => {
      await start({ IDEM_ENCRYPTION_KEY: keyA }, true);
      appId = (await svix.application.create({ name: 'Secrets at rest' })).id;
      await newEndpoint((url) => svix.endpoint.create(appId, { url, secret: GIVEN }));
      await newEndpoint((url) => svix.endpoint.create(appId, { url }));
      const rotated = await newEndpoint((url) => svix.endpoint.create(appId, { url }));
      await svix.endpoint.rotateSecret(appId, rotated.id, { key: ROTATED_TO });
      [rotated.previous, rotated.secret] = [rotated.secret, ROTATED_TO];
      // A row as written before secrets were encrypted: the secret in clear.
      const legacy = await newEndpoint((url) => svix.endpoint.create(appId, { url }));
      await db.query('UPDATE endpoint_secrets SET secret = $1 WHERE endpoint_id = $2', [LEGACY, legacy.id]);
      legacy.secret = LEGACY;
    });

    it('stores every secret sealed with the key and bound to its endpoint: no column anywhere holds one in clear', async () => {
      const keyId = SecretKey.parse(keyA).id;
      const legacyId = endpoints[3].id;
      const rows = await storedSecrets();
      expect(rows).toHaveLength(5);
      for (const row of rows.filter((row) => row.endpoint_id !== legacyId)) expect(row.secret).toMatch(new RegExp(`^enc:v1:${keyId}:[A-Za-z0-9+/]+={0,2}$`));
      expect(rows.find((row) => row.endpoint_id === legacyId)?.secret).toBe(LEGACY);

      const stored = await everythingStored();
      for (const secret of [GIVEN, ROTATED_TO, endpoints[1].secret, endpoints[2].previous!]) expect(stored).not.toContain(keyPart(secret));
    });

    it('reveals each secret, and the worker signs with it (and with the rotated-out one) so standardwebhooks verifies', async () => {
      expect(endpoints.map((endpoint) => endpoint.secret).slice(0, 4)).toEqual([GIVEN, expect.stringMatching(/^whsec_/), ROTATED_TO, LEGACY]);
      await expectDeliveriesVerify();
    });

    it('does not open a sealed secret copied to another endpoint: the reveal call fails without showing anything', async () => {
      const [given, other] = endpoints;
      const { rows } = await db.query<{ id: string; secret: string }>('SELECT id, secret FROM endpoint_secrets WHERE endpoint_id = $1', [other.id]);
      const sealedGiven = (await db.query<{ secret: string }>('SELECT secret FROM endpoint_secrets WHERE endpoint_id = $1', [given.id])).rows[0].secret;
      await db.query('UPDATE endpoint_secrets SET secret = $1 WHERE id = $2', [sealedGiven, rows[0].id]);
      try {
        const answer = await send('GET', `/api/v1/app/${appId}/endpoint/${other.id}/secret`);
        expect(answer.status).toBe(500);
        expect(answer.text).not.toContain(keyPart(GIVEN));
      } finally {
        await db.query('UPDATE endpoint_secrets SET secret = $1 WHERE id = $2', [rows[0].secret, rows[0].id]);
      }
    });

    it('keeps secrets out of error answers and of the API log', async () => {
      const tooShort = secretOf(4, 8);
      const refused = await send('POST', `/api/v1/app/${appId}/endpoint`, JSON.stringify({ url: 'https://example.com/x', secret: tooShort }));
      expect(refused.status).toBe(422);
      expect(JSON.parse(refused.text).detail[0].loc).toEqual(['body', 'secret']);
      expect(refused.text).not.toContain(keyPart(tooShort));

      const badRotation = await send('POST', `/api/v1/app/${appId}/endpoint/${endpoints[0].id}/secret/rotate`, JSON.stringify({ key: 'x' + GIVEN }));
      expect(badRotation.status).toBe(422);
      expect(badRotation.text).not.toContain(keyPart(GIVEN));

      // V8 quotes the text around a JSON syntax error; the answer must not pass that on.
      const unquoted = secretOf(5);
      const malformed = await send('POST', `/api/v1/app/${appId}/endpoint`, `{"url": "https://example.com/y", "secret": ${unquoted}}`);
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.text)).toEqual({ code: 'bad_request', detail: expect.stringMatching(/^The request body is not valid JSON/) });
      expect(malformed.text).not.toContain('whsec_');

      const taken = await send('POST', `/api/v1/app/${appId}/endpoint`, JSON.stringify({ url: 'https://example.com/z', uid: 'taken', secret: GIVEN }));
      const again = await send('POST', `/api/v1/app/${appId}/endpoint`, JSON.stringify({ url: 'https://example.com/z', uid: 'taken', secret: GIVEN }));
      expect([taken.status, again.status]).toEqual([201, 409]);
      expect(again.text).not.toContain(keyPart(GIVEN));
      await send('DELETE', `/api/v1/app/${appId}/endpoint/taken`);

      const log = api!.log;
      // The log is there to search: it records the creates, rotations and reveal calls made above.
      expect(log).toMatch(/"method":"POST","url":"\/api\/v1\/app\/[^"]+\/endpoint\/[^"]+\/secret\/rotate"/);
      expect(log).toMatch(/"method":"GET","url":"\/api\/v1\/app\/[^"]+\/endpoint\/[^"]+\/secret"/);
      for (const secret of [GIVEN, ROTATED_TO, LEGACY, tooShort, unquoted, ...endpoints.map((endpoint) => endpoint.secret)]) {
        expect(log).not.toContain(keyPart(secret));
      }
    });
  });

  describe('rotating the encryption key', () => {
    it('reads rows of the previous key, writes with the new one, and reencrypt-secrets moves every row to it, once', async () => {
      const keysB = { IDEM_ENCRYPTION_KEY: keyB, IDEM_ENCRYPTION_KEYS_PREVIOUS: keyA };
      await start(keysB, false);
      for (const endpoint of endpoints) expect((await svix.endpoint.getSecret(appId, endpoint.id)).key).toBe(endpoint.secret);
      const added = await newEndpoint((url) => svix.endpoint.create(appId, { url, secret: secretOf(6) }));

      const prefixB = `enc:v1:${SecretKey.parse(keyB).id}:`;
      const before = await storedSecrets();
      expect(before.find((row) => row.endpoint_id === added.id)?.secret.startsWith(prefixB)).toBe(true);
      const due = before.filter((row) => !row.secret.startsWith(prefixB)).length;
      expect(due).toBe(5);

      const first = await runFromSource(API_MAIN, ['reencrypt-secrets', '--batch-size=2'], { ...environment.env, ...keysB });
      expect(first.output).toContain(`Re-encrypted ${due} endpoint secrets`);
      expect(first.code).toBe(0);
      const after = await storedSecrets();
      expect(after.map((row) => row.id)).toEqual(before.map((row) => row.id));
      for (const row of after) expect(row.secret.startsWith(prefixB)).toBe(true);
      expect(after.find((row) => row.endpoint_id === added.id)?.secret).toBe(before.find((row) => row.endpoint_id === added.id)?.secret);
      expect(await everythingStored()).not.toContain(keyPart(LEGACY));

      const second = await runFromSource(API_MAIN, ['reencrypt-secrets'], { ...environment.env, ...keysB });
      expect(second.code).toBe(0);
      expect(second.output).toContain('Re-encrypted 0 endpoint secrets');
      expect(await storedSecrets()).toEqual(after);
    });

    it('works without the old key once every row is re-encrypted: reveal and signed deliveries', async () => {
      await start({ IDEM_ENCRYPTION_KEY: keyB }, true);
      await expectDeliveriesVerify();
    });

    it('re-encrypts from concurrent runs exactly once per row, and reports rows no key can read instead of stopping', async () => {
      const keyC = SecretKey.parse(randomBytes(32).toString('base64'));
      const current = endpointSecretCipherOf({ ...environment.env, IDEM_ENCRYPTION_KEY: keyB });
      const next = new EndpointSecretCipher(new SecretCipher(keyC, [SecretKey.parse(keyB)]));
      const lost = new EndpointSecretCipher(new SecretCipher(SecretKey.parse(randomBytes(32).toString('hex'))));
      const orphan = endpoints[0];
      await db.query(`INSERT INTO endpoint_secrets (id, endpoint_id, secret, expires_at) VALUES ('epsec_lost', $1, $2, now() + interval '1 hour')`, [
        orphan.id,
        lost.seal(orphan.id, secretOf(7)),
      ]);
      const before = await storedSecrets();
      const readable = before.filter((row) => row.id !== 'epsec_lost');

      const runs = await Promise.all([1, 2].map(() => reencryptEndpointSecrets(environment.databaseUrl, next, { batchSize: 1 })));

      expect(runs[0].reencrypted + runs[1].reencrypted).toBe(readable.length);
      for (const run of runs) {
        expect(run.remaining).toBe(0);
        expect(run.unreadable).toEqual([
          { id: 'epsec_lost', endpointId: orphan.id, reason: expect.stringMatching(/^a signing secret of endpoint ep_\w+ cannot be read: sealed with key [0-9a-f]{8}, which is neither/) },
        ]);
      }
      const after = new Map((await storedSecrets()).map((row) => [row.id, row.secret]));
      for (const row of readable) {
        expect(after.get(row.id)!.startsWith(`enc:v1:${keyC.id}:`)).toBe(true);
        expect(next.open(row.endpoint_id, after.get(row.id)!)).toBe(current.open(row.endpoint_id, row.secret));
      }

      // The way out of a lost key: rotate with no grace period. The unreadable secret no longer signs, so it no
      // longer stands in the way of the next re-encryption.
      await db.query(`UPDATE endpoint_secrets SET expires_at = now() - interval '1 second' WHERE id = 'epsec_lost'`);
      const afterRotation = await reencryptEndpointSecrets(environment.databaseUrl, next);
      expect(afterRotation).toEqual({ reencrypted: 0, unreadable: [], remaining: 0 });
    });
  });
});
