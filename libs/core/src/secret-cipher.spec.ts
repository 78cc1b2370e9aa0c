import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SecretCipher, SecretDecryptionError, SecretKey } from './secret-cipher';

const SECRET = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
const newKey = () => SecretKey.parse(randomBytes(32).toString('base64'));

describe(SecretCipher.name, () => {
  const key = newKey();
  const sut = new SecretCipher(key);

  it('opens what it sealed, and the sealed form names the version and the key but not the secret', () => {
    const sealed = sut.seal(SECRET, 'ep_1');
    expect(sealed).toMatch(new RegExp(`^enc:v1:${key.id}:[A-Za-z0-9+/]+={0,2}$`));
    expect(sealed).not.toContain(SECRET.slice('whsec_'.length, 20));
    expect(sut.open(sealed, 'ep_1')).toBe(SECRET);
    expect(SecretCipher.isSealed(sealed)).toBe(true);
    expect(SecretCipher.isSealed(SECRET)).toBe(false);
  });

  it('uses a new IV every time: the same secret never seals to the same text', () => {
    expect(sut.seal(SECRET, 'ep_1')).not.toBe(sut.seal(SECRET, 'ep_1'));
  });

  it('refuses a value altered anywhere: IV, ciphertext or tag', () => {
    const sealed = sut.seal(SECRET, 'ep_1');
    const prefix = sut.currentPrefix;
    const packed = Buffer.from(sealed.slice(prefix.length), 'base64');
    for (const index of [0, 12, packed.length - 1]) {
      const altered = Buffer.from(packed);
      altered[index] ^= 0x01;
      expect(() => sut.open(prefix + altered.toString('base64'), 'ep_1')).toThrow(SecretDecryptionError);
    }
    expect(() => sut.open(prefix + packed.subarray(0, 20).toString('base64'), 'ep_1')).toThrow(SecretDecryptionError);
  });

  it('refuses a value moved to another context (another endpoint)', () => {
    const sealed = sut.seal(SECRET, 'ep_1');
    expect(() => sut.open(sealed, 'ep_2')).toThrow(/failed authentication/);
  });

  it('refuses a value sealed with a key it does not hold, naming only the key id', () => {
    const other = newKey();
    const sealed = new SecretCipher(other).seal(SECRET, 'ep_1');
    expect(() => sut.open(sealed, 'ep_1')).toThrow(`sealed with key ${other.id}, which is neither the current key nor a previous one`);
  });

  it('refuses a value whose header claims another key id than the one that sealed it', () => {
    const other = newKey();
    const both = new SecretCipher(key, [other]);
    const forged = both.seal(SECRET, 'ep_1').replace(key.id, other.id);
    expect(() => both.open(forged, 'ep_1')).toThrow(SecretDecryptionError);
  });

  it('reads values of a previous key and writes with the current one', () => {
    const previous = newKey();
    const old = new SecretCipher(previous).seal(SECRET, 'ep_1');
    const rotated = new SecretCipher(key, [previous]);
    expect(rotated.open(old, 'ep_1')).toBe(SECRET);
    expect(rotated.seal(SECRET, 'ep_1').startsWith(`enc:v1:${key.id}:`)).toBe(true);
  });

  it('refuses text that is not a sealed value, without repeating it', () => {
    let message = '';
    try {
      sut.open(SECRET, 'ep_1');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not a value sealed/);
    expect(message).not.toContain(SECRET);
  });
});

describe(SecretKey.name, () => {
  it('reads 32 bytes as base64, base64url or hex, and the same bytes give the same id', () => {
    const bytes = randomBytes(32);
    const ids = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), ` ${bytes.toString('hex').toUpperCase()}\n`].map(
      (text) => SecretKey.parse(text).id,
    );
    expect(ids[0]).toMatch(/^[0-9a-f]{8}$/);
    expect(new Set(ids).size).toBe(1);
  });

  it('refuses other lengths and alphabets without repeating the text', () => {
    for (const text of ['', 'short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), randomBytes(48).toString('base64'), 'z'.repeat(64)]) {
      expect(() => SecretKey.parse(text)).toThrow('must be 32 bytes written as base64 (44 characters) or hex (64 characters)');
    }
  });

  it('never shows its bytes when serialised or inspected', () => {
    const text = randomBytes(32).toString('hex');
    const key = SecretKey.parse(text);
    const base64 = Buffer.from(text, 'hex').toString('base64');
    for (const shown of [JSON.stringify({ key }), inspect(key, { showHidden: true, depth: 5 }), String(key)]) {
      expect(shown).not.toContain(text);
      expect(shown).not.toContain(base64);
    }
  });
});
