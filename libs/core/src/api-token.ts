import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'idem_';
/** 32 random bytes, base64url without padding. */
const TOKEN_PATTERN = /^idem_[A-Za-z0-9_-]{43}$/;

/**
 * A new API token: `idem_` and 256 random bits. The prefix lets secret scanners and people tell an
 * Idem token at a glance. Only its hash is stored; the token itself is shown once, at creation.
 */
export function generateApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** True when `text` has the shape `generateApiToken` gives, so anything else is refused without a lookup. */
export function isApiTokenShaped(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/**
 * What is stored in place of the token: its SHA-256, hex. A fast hash is enough because the token
 * is 256 random bits, not a password: there is nothing to guess from a leaked hash.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
