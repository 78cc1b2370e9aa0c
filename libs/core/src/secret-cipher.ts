import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96 bits, the IV length GCM is specified for; random per value, so one key may seal about 2^32 values. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `enc:v1:<key id>:<base64 of iv | ciphertext | tag>`. */
const SEALED_PATTERN = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9+/]+={0,2})$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** How a key is to be written, for messages that must not repeat the key itself. */
export const SECRET_KEY_FORMAT = '32 bytes written as base64 (44 characters) or hex (64 characters)';

/** The bytes of each key, kept out of the object so no serialiser or inspector can reach them. */
const KEY_MATERIAL = new WeakMap<SecretKey, Buffer>();

/**
 * An AES-256 key for values at rest. It is known by `id`, a fingerprint (the first 4 bytes of an
 * HMAC of a fixed label under the key) that sealed values carry, so a reader holding several keys
 * knows which one to use without trying each. The key bytes never show in `JSON.stringify`,
 * `console.log` or a logged object.
 */
export class SecretKey {
  readonly id: string;

  private constructor(bytes: Buffer) {
    KEY_MATERIAL.set(this, bytes);
    this.id = createHmac('sha256', bytes).update('idem secret key id').digest('hex').slice(0, 8);
  }

  /** Reads a key written as base64 (or base64url) or hex; throws, without repeating `text`, when it is not 32 bytes. */
  static parse(text: string): SecretKey {
    const trimmed = text.trim();
    if (HEX_KEY.test(trimmed)) return new SecretKey(Buffer.from(trimmed, 'hex'));
    // Node's base64 decoder reads the URL-safe alphabet too.
    if (BASE64_KEY.test(trimmed) && Buffer.from(trimmed, 'base64').length === KEY_BYTES) return new SecretKey(Buffer.from(trimmed, 'base64'));
    throw new Error(`must be ${SECRET_KEY_FORMAT}`);
  }

  sameAs(other: SecretKey): boolean {
    return materialOf(this).equals(materialOf(other));
  }
}

function materialOf(key: SecretKey): Buffer {
  return KEY_MATERIAL.get(key)!;
}

/** A sealed value could not be opened. The message names the key id or the failure, never the value. */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * AES-256-GCM for short secrets at rest. `seal` writes with the current key; `open` reads with the
 * current key or any previous one, which is what a key rotation needs. Each value is bound to a
 * `context` (e.g. the id of the row that owns it), given again to open it: a sealed value copied to
 * another row fails its authentication check instead of opening there. The header (`enc:v1:<key id>`)
 * is authenticated with it.
 */
export class SecretCipher {
  private readonly keys = new Map<string, SecretKey>();

  constructor(
    readonly currentKey: SecretKey,
    previousKeys: readonly SecretKey[] = [],
  ) {
    for (const key of [currentKey, ...previousKeys]) {
      const holder = this.keys.get(key.id);
      if (holder && !holder.sameAs(key)) throw new Error(`two different keys share the id ${key.id}`);
      if (!holder) this.keys.set(key.id, key);
    }
  }

  /** True when `value` has the sealed form (whichever key wrote it). */
  static isSealed(value: string): boolean {
    return value.startsWith('enc:');
  }

  /** The header every value sealed with the current key starts with. */
  get currentPrefix(): string {
    return headerOf(this.currentKey.id) + ':';
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const header = headerOf(this.currentKey.id);
    const cipher = createCipheriv(ALGORITHM, materialOf(this.currentKey), iv);
    cipher.setAAD(additionalData(header, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${header}:${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const match = SEALED_PATTERN.exec(sealed);
    if (!match) throw new SecretDecryptionError('not a value sealed by this version of Idem (expected enc:v1:<key id>:<base64>)');
    const [, keyId, encoded] = match;
    const key = this.keys.get(keyId);
    if (!key) throw new SecretDecryptionError(`sealed with key ${keyId}, which is neither the current key nor a previous one`);
    const packed = Buffer.from(encoded, 'base64');
    if (packed.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError('sealed value is truncated');
    const decipher = createDecipheriv(ALGORITHM, materialOf(key), packed.subarray(0, IV_BYTES));
    decipher.setAAD(additionalData(headerOf(keyId), context));
    decipher.setAuthTag(packed.subarray(packed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(packed.subarray(IV_BYTES, packed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(`sealed value failed authentication under key ${keyId}: altered, or moved from another record`);
    }
  }
}

function headerOf(keyId: string): string {
  return `enc:v1:${keyId}`;
}

function additionalData(header: string, context: string): Buffer {
  return Buffer.from(`${header}\n${context}`, 'utf8');
}
