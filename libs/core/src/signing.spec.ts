import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, isValidSigningSecret, signWebhook } from './signing';

describe(signWebhook.name, () => {
  const body = '{"invoice":42,"note":"ünïcode"}';

  it('signs so that the standardwebhooks library verifies it', () => {
    const secret = generateSigningSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook('msg_1', timestamp, body, [secret]) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs once per secret during a rotation, and either secret verifies', () => {
    const [current, previous] = [generateSigningSecret(), generateSigningSecret()];
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook('msg_2', timestamp, body, [current, previous]);
    expect(signature.split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) {
      expect(() => new Webhook(secret).verify(body, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature })).not.toThrow();
    }
  });

  it('does not verify a changed body', () => {
    const secret = generateSigningSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_3', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook('msg_3', timestamp, body, [secret]) };
    expect(() => new Webhook(secret).verify(body.replace('42', '43'), headers)).toThrow();
  });
});

describe(generateSigningSecret.name, () => {
  it('makes whsec_ secrets of 24 random bytes that pass validation', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(isValidSigningSecret(secret)).toBe(true);
    expect(generateSigningSecret()).not.toBe(secret);
  });

  it('refuses secrets without the prefix, not base64, or too short', () => {
    expect(isValidSigningSecret('c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0')).toBe(false);
    expect(isValidSigningSecret('whsec_not base64!')).toBe(false);
    expect(isValidSigningSecret('whsec_' + Buffer.alloc(8).toString('base64'))).toBe(false);
  });
});
