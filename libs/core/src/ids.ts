import { randomBytes } from 'node:crypto';

/** Prefixes follow Svix's, so ids read the same in both products' logs. */
export const ID_PREFIX = {
  application: 'app',
  endpoint: 'ep',
  endpointSecret: 'epsec',
  message: 'msg',
  attempt: 'atmpt',
  delivery: 'dlv',
  apiToken: 'tok',
  backgroundTask: 'task',
  saga: 'saga',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastMillis = -1;
let lastRandom = Buffer.alloc(10);

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32.
 * Within one millisecond the random part is incremented, so ids minted by one
 * process sort in creation order; ids from different processes sort by time.
 */
export function newUlid(now: number = Date.now()): string {
  if (now === lastMillis) {
    incrementInPlace(lastRandom);
  } else {
    lastMillis = now;
    lastRandom = randomBytes(10);
  }
  return encodeTime(now) + encodeRandom(lastRandom);
}

export function newId(kind: IdKind, now?: number): string {
  return `${ID_PREFIX[kind]}_${newUlid(now)}`;
}

export function hasIdPrefix(kind: IdKind, value: string): boolean {
  return value.startsWith(`${ID_PREFIX[kind]}_`);
}

/**
 * The smallest id of this kind that `newId` could mint at `millis`: every id minted at or after that
 * millisecond sorts at or after it, every one minted before sorts before it.
 */
export function smallestIdAt(kind: IdKind, millis: number): string {
  return `${ID_PREFIX[kind]}_${encodeTime(Math.max(0, millis))}${'0'.repeat(16)}`;
}

/** True when `value` is an id of this kind as `newId` makes them: the prefix, then a ULID. */
export function isId(kind: IdKind, value: string): boolean {
  return hasIdPrefix(kind, value) && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value.slice(ID_PREFIX[kind].length + 1));
}

function encodeTime(millis: number): string {
  let out = '';
  let rest = millis;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = CROCKFORD[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

function incrementInPlace(bytes: Buffer): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 255) {
      bytes[i]++;
      return;
    }
    bytes[i] = 0;
  }
}
