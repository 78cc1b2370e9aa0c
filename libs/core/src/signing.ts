import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new endpoint signing secret: `whsec_` and base64 of 24 random bytes, as Svix issues them. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** True when `secret` is `whsec_` followed by base64 of 24 to 64 bytes. */
export function isValidSigningSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const length = Buffer.from(encoded, 'base64').length;
  return length >= 24 && length <= 64;
}

/**
 * The `webhook-signature` header value of the Standard Webhooks spec: one `v1,<base64 HMAC-SHA256>`
 * over `id.timestamp.body` per secret, space-separated, so receivers still holding a rotated-out
 * secret keep verifying during the grace period.
 */
export function signWebhook(
  messageId: string,
  timestampSeconds: number,
  body: string,
  secrets: readonly string[],
): string {
  const signedContent = `${messageId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
      return 'v1,' + createHmac('sha256', key).update(signedContent).digest('base64');
    })
    .join(' ');
}
