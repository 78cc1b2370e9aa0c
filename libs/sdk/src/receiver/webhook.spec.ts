import { generateKeyPairSync, randomBytes, sign as signEd25519 } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { Webhook, WebhookVerificationError, WebhookVerificationFailure } from './webhook';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1', amount: 4200, note: 'crème brûlée ✓' } });
const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

function headersFor(signature: string, options: { id?: string; at?: Date; prefix?: string } = {}): Record<string, string> {
  const prefix = options.prefix ?? 'webhook';
  return {
    [`${prefix}-id`]: options.id ?? 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    [`${prefix}-timestamp`]: seconds(options.at ?? new Date()),
    [`${prefix}-signature`]: signature,
  };
}

function signedByStandardWebhooks(payload = body, at = new Date(), key = secret): Record<string, string> {
  return headersFor(new StandardWebhook(key).sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', at, payload), { at });
}

function failureOf(run: () => unknown): WebhookVerificationFailure | string {
  try {
    run();
  } catch (error) {
    return error instanceof WebhookVerificationError ? error.reason : `not a WebhookVerificationError: ${String(error)}`;
  }
  return 'verified';
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'verified';
}

describe(Webhook.name, () => {
  describe('interoperability with standardwebhooks', () => {
    it('verifies what standardwebhooks signs and returns the same parsed payload', () => {
      const sut = new Webhook(secret);
      const headers = signedByStandardWebhooks();

      expect(sut.verify(body, headers)).toEqual(new StandardWebhook(secret).verify(body, headers));
      expect(sut.verify(Buffer.from(body), headers)).toEqual(JSON.parse(body));
    });

    it('signs what standardwebhooks verifies', () => {
      const sut = new Webhook(secret);
      const at = new Date();
      const headers = headersFor(sut.sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', at, body), { at });

      expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
      expect(sut.sign('msg_1', at, body)).toBe(new StandardWebhook(secret).sign('msg_1', at, body));
    });

    it('verifies svix-* headers both ways with the svix library', () => {
      const sut = new Webhook(secret);
      const at = new Date();
      const svixSigned = headersFor(new SvixWebhook(secret).sign('msg_svix', at, body), { id: 'msg_svix', at, prefix: 'svix' });
      const idemSigned = headersFor(sut.sign('msg_svix', at, body), { id: 'msg_svix', at, prefix: 'svix' });

      expect(sut.verify(body, svixSigned)).toEqual(JSON.parse(body));
      expect(new SvixWebhook(secret).verify(body, idemSigned)).toEqual(JSON.parse(body));
    });

    it('agrees with standardwebhooks on raw secrets', () => {
      const raw = randomBytes(24);
      const at = new Date();
      const signature = new StandardWebhook(raw, { format: 'raw' }).sign('msg_raw', at, body);

      expect(new Webhook(raw, { format: 'raw' }).verify(body, headersFor(signature, { id: 'msg_raw', at }))).toEqual(JSON.parse(body));
    });

    it('fails every bad delivery with the same message standardwebhooks gives', () => {
      const now = new Date();
      const cases: Array<[string, string, Record<string, string>]> = [
        ['tampered body', body.replace('4200', '4201'), signedByStandardWebhooks()],
        ['wrong secret', body, signedByStandardWebhooks(body, now, otherSecret)],
        ['old timestamp', body, signedByStandardWebhooks(body, new Date(now.getTime() - 6 * 60_000))],
        ['future timestamp', body, signedByStandardWebhooks(body, new Date(now.getTime() + 6 * 60_000))],
        ['garbage timestamp', body, { ...signedByStandardWebhooks(), 'webhook-timestamp': 'yesterday' }],
      ];
      for (const [, payload, headers] of cases) {
        expect(messageOf(() => new Webhook(secret).verify(payload, headers))).toBe(messageOf(() => new StandardWebhook(secret).verify(payload, headers)));
      }
    });
  });

  describe('failure reasons', () => {
    const sut = new Webhook(secret);
    const now = Date.now();

    it.each<[string, () => [string, Record<string, string>], WebhookVerificationFailure]>([
      ['a tampered body', () => [body.replace('inv_1', 'inv_2'), signedByStandardWebhooks()], 'no_matching_signature'],
      ['the wrong secret', () => [body, signedByStandardWebhooks(body, new Date(), otherSecret)], 'no_matching_signature'],
      ['a timestamp over 5 minutes old', () => [body, signedByStandardWebhooks(body, new Date(now - 330_000))], 'timestamp_too_old'],
      ['a timestamp over 5 minutes ahead', () => [body, signedByStandardWebhooks(body, new Date(now + 330_000))], 'timestamp_too_new'],
      ['no webhook-id', () => [body, { ...signedByStandardWebhooks(), 'webhook-id': '' }], 'missing_headers'],
      ['a non-numeric timestamp', () => [body, { ...signedByStandardWebhooks(), 'webhook-timestamp': 'abc' }], 'invalid_timestamp'],
      ['a signature of another length', () => [body, { ...signedByStandardWebhooks(), 'webhook-signature': 'v1,AAAA' }], 'no_matching_signature'],
      ['a signature that is not base64', () => [body, { ...signedByStandardWebhooks(), 'webhook-signature': 'v1,***' }], 'no_matching_signature'],
      ['only unknown signature versions', () => [body, { ...signedByStandardWebhooks(), 'webhook-signature': 'v9,abc' }], 'no_matching_signature'],
    ])('rejects %s', (_, delivery, reason) => {
      const [payload, headers] = delivery();
      expect(failureOf(() => sut.verify(payload, headers))).toBe(reason);
    });

    it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a delivery without %s as missing headers', (header) => {
      const headers = signedByStandardWebhooks();
      delete headers[header];
      expect(failureOf(() => sut.verify(body, headers))).toBe('missing_headers');
    });

    it('accepts a timestamp just inside a custom tolerance and rejects one just outside it', () => {
      const tolerant = new Webhook(secret, { toleranceInSeconds: 3600 });
      expect(failureOf(() => tolerant.verify(body, signedByStandardWebhooks(body, new Date(now - 3500_000))))).toBe('verified');
      expect(failureOf(() => tolerant.verify(body, signedByStandardWebhooks(body, new Date(now - 3700_000))))).toBe('timestamp_too_old');
    });
  });

  describe('signatures and secrets', () => {
    it('finds the valid signature among several in the header', () => {
      const headers = signedByStandardWebhooks();
      headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')} v2,whatever ${headers['webhook-signature']} v1,short`;
      expect(failureOf(() => new Webhook(secret).verify(body, headers))).toBe('verified');
    });

    it('verifies with any configured secret while one is rotated, and with no other', () => {
      const sut = new Webhook([otherSecret, secret]);
      expect(failureOf(() => sut.verify(body, signedByStandardWebhooks(body, new Date(), secret)))).toBe('verified');
      expect(failureOf(() => sut.verify(body, signedByStandardWebhooks(body, new Date(), otherSecret)))).toBe('verified');
      const third = `whsec_${randomBytes(32).toString('base64')}`;
      expect(failureOf(() => sut.verify(body, signedByStandardWebhooks(body, new Date(), third)))).toBe('no_matching_signature');
    });

    it('verifies Ed25519 v1a signatures with a whpk_ public key', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const publicKeyRaw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      const sut = new Webhook(`whpk_${publicKeyRaw.toString('base64')}`);
      const at = new Date();
      const signature = signEd25519(null, Buffer.from(`msg_ed.${seconds(at)}.${body}`), privateKey).toString('base64');

      expect(sut.verify(body, headersFor(`v1,${randomBytes(32).toString('base64')} v1a,${signature}`, { id: 'msg_ed', at }))).toEqual(JSON.parse(body));
      expect(failureOf(() => sut.verify(`${body} `, headersFor(`v1a,${signature}`, { id: 'msg_ed', at })))).toBe('no_matching_signature');
      expect(failureOf(() => sut.verify(body, headersFor(`v1a,${signature}`, { id: 'msg_other', at })))).toBe('no_matching_signature');
    });

    it('verifies a v1 signature with a whsec_ secret and a v1a one with a whpk_ key configured together', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const whpk = `whpk_${publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')}`;
      const sut = new Webhook([secret, whpk]);
      const at = new Date();
      const v1a = signEd25519(null, Buffer.from(`msg_mix.${seconds(at)}.${body}`), privateKey).toString('base64');

      expect(failureOf(() => sut.verify(body, headersFor(`v1a,${v1a}`, { id: 'msg_mix', at })))).toBe('verified');
      expect(failureOf(() => sut.verify(body, signedByStandardWebhooks()))).toBe('verified');
    });

    it('refuses to sign with only a public key, and refuses empty or malformed keys', () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      const whpk = `whpk_${publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')}`;
      expect(() => new Webhook(whpk).sign('msg', new Date(), body)).toThrow(/whsec_/);
      expect(() => new Webhook('whsec_')).toThrow("Secret can't be empty.");
      expect(() => new Webhook('whpk_AAAA')).toThrow(/32 bytes/);
      expect(() => new Webhook([])).toThrow("Secret can't be empty.");
    });
  });

  describe('headers', () => {
    it('reads headers in any casing and from a Fetch Headers object', () => {
      const sut = new Webhook(secret);
      const headers = signedByStandardWebhooks();
      const shouting = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));

      expect(failureOf(() => sut.verify(body, shouting))).toBe('verified');
      expect(failureOf(() => sut.verify(body, new Headers(headers)))).toBe('verified');
    });

    it('returns the message id and signing time from verifySignature', () => {
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const message = new Webhook(secret).verifySignature(body, signedByStandardWebhooks(body, at));
      expect(message).toEqual({ id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', timestamp: at });
    });
  });
});
