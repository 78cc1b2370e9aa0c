import { createHash } from 'node:crypto';

/** The SHA-256 digest of `text` (UTF-8), as 64 hex digits. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
