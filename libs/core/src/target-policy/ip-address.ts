import { isIP } from 'node:net';

/** An IPv4 or IPv6 address held as one number, so that ranges are plain arithmetic. */
export class IpAddress {
  private constructor(
    readonly family: 4 | 6,
    readonly value: bigint,
  ) {}

  /**
   * Reads a dotted-quad IPv4 address or an IPv6 address (a `%zone` suffix is ignored), or gives
   * undefined. Only the strict forms are accepted: `127.1` or `0x7f.0.0.1` are hostnames to
   * `node:net`, which is why endpoint URLs go through WHATWG `new URL()` first, as undici does.
   */
  static parse(text: string): IpAddress | undefined {
    switch (isIP(text)) {
      case 4:
        return new IpAddress(4, ipv4Value(text));
      case 6:
        // The zone names a network interface of this machine; it is not part of the address.
        return new IpAddress(6, ipv6Value(text.split('%')[0]));
      default:
        return undefined;
    }
  }

  static ipv4(value: bigint): IpAddress {
    return new IpAddress(4, value & 0xffff_ffffn);
  }

  get bitLength(): 32 | 128 {
    return this.family === 4 ? 32 : 128;
  }

  /** This address with every bit after the first `prefixLength` cleared. */
  masked(prefixLength: number): IpAddress {
    const hostBits = BigInt(this.bitLength - prefixLength);
    return new IpAddress(this.family, (this.value >> hostBits) << hostBits);
  }

  /** The IPv4 address carried in 32 bits of this IPv6 address, `shift` bits from the right. */
  embeddedIpv4(shift: number): IpAddress {
    return IpAddress.ipv4(this.value >> BigInt(shift));
  }

  /** The IPv4 address an IPv4-mapped address (`::ffff:a.b.c.d`) stands for; any other address unchanged. */
  unmapped(): IpAddress {
    return this.family === 6 && this.value >> 32n === 0xffffn ? this.embeddedIpv4(0) : this;
  }

  /** The IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) of an IPv4 address; an IPv6 address unchanged. */
  mapped(): IpAddress {
    return this.family === 4 ? new IpAddress(6, (0xffffn << 32n) | this.value) : this;
  }

  /** Dotted quad, or IPv6 in the compressed lower-case form that WHATWG URLs print. */
  toString(): string {
    return this.family === 4 ? formatIpv4(this.value) : formatIpv6(this.value);
  }
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

function ipv6Value(text: string): bigint {
  const groups = (part: string): number[] =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? dottedHextets(group) : [parseInt(group, 16)]));
  const [head, tail] = text.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const hextets = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return hextets.reduce((value, hextet) => (value << 16n) | BigInt(hextet), 0n);
}

function dottedHextets(dotted: string): number[] {
  const value = Number(ipv4Value(dotted));
  return [value >>> 16, value & 0xffff];
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join('.');
}

function formatIpv6(value: bigint): string {
  const hextets = [7, 6, 5, 4, 3, 2, 1, 0].map((index) => Number((value >> BigInt(index * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let runStart = -1;
  let runLength = 1;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && hextets[end] === 0) end++;
    if (end - start > runLength) {
      runStart = start;
      runLength = end - start;
    }
    start = Math.max(end, start + 1);
  }
  const hex = hextets.map((hextet) => hextet.toString(16));
  if (runStart < 0) return hex.join(':');
  return `${hex.slice(0, runStart).join(':')}::${hex.slice(runStart + runLength).join(':')}`;
}
