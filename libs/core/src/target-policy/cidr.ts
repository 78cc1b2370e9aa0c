import { IpAddress } from './ip-address';

/** A block of addresses written as `network/prefix length`, such as `10.0.0.0/8` or `fd00::/8`. */
export class Cidr {
  private constructor(
    readonly network: IpAddress,
    readonly prefixLength: number,
  ) {}

  /**
   * Reads `10.0.0.0/8`, `fd00::/8`, or a bare address meaning that one address. Throws an error
   * that quotes the entry and says what is wrong with it.
   */
  static parse(text: string): Cidr {
    const entry = text.trim();
    const [addressText, prefixText, ...extra] = entry.split('/');
    const address = IpAddress.parse(addressText);
    if (address === undefined || addressText.includes('%') || extra.length > 0) {
      throw new Error(`"${entry}" is not a CIDR range (examples: 10.0.0.0/8, 192.168.1.10/32, fd00::/8)`);
    }
    const bitLength = address.bitLength;
    if (prefixText !== undefined && !(/^\d{1,3}$/.test(prefixText) && Number(prefixText) <= bitLength)) {
      throw new Error(`"${entry}" has prefix length "${prefixText}"; an IPv${address.family} prefix length is a whole number from 0 to ${bitLength}`);
    }
    const prefixLength = prefixText === undefined ? bitLength : Number(prefixText);
    const network = address.masked(prefixLength);
    if (network.value !== address.value) {
      throw new Error(`"${entry}" has address bits set after the first ${prefixLength}; did you mean ${network.toString()}/${prefixLength}?`);
    }
    return new Cidr(network, prefixLength);
  }

  /** True when the range is exactly one address (`/32` or `/128`). */
  get isSingleAddress(): boolean {
    return this.prefixLength === this.network.bitLength;
  }

  contains(address: IpAddress): boolean {
    return address.family === this.network.family && address.masked(this.prefixLength).value === this.network.value;
  }

  toString(): string {
    return `${this.network.toString()}/${this.prefixLength}`;
  }
}

/**
 * Reads a comma-separated list of CIDR ranges, as `IDEM_TARGET_ALLOWLIST` holds them. Empty entries
 * are skipped; the first bad entry throws, quoted in the message.
 */
export function parseCidrList(text: string): Cidr[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => Cidr.parse(entry));
}
