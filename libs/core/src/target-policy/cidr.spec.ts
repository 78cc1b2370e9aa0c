import { Cidr, parseCidrList } from './cidr';
import { IpAddress } from './ip-address';

function address(text: string): IpAddress {
  const parsed = IpAddress.parse(text);
  if (parsed === undefined) throw new Error(`test address ${text} does not parse`);
  return parsed;
}

describe(Cidr.name, () => {
  it('contains exactly the addresses under its prefix', () => {
    const sut = Cidr.parse('10.1.2.0/24');

    expect(sut.contains(address('10.1.2.0'))).toBe(true);
    expect(sut.contains(address('10.1.2.255'))).toBe(true);
    expect(sut.contains(address('10.1.3.0'))).toBe(false);
    expect(sut.contains(address('10.1.1.255'))).toBe(false);
  });

  it('reads IPv6 ranges and never matches across families', () => {
    const sut = Cidr.parse('fd00:1234::/32');

    expect(sut.contains(address('fd00:1234:ffff::1'))).toBe(true);
    expect(sut.contains(address('fd00:1235::1'))).toBe(false);
    expect(Cidr.parse('0.0.0.0/0').contains(address('::1'))).toBe(false);
  });

  it('takes a bare address as a range of that one address', () => {
    expect(Cidr.parse('127.0.0.1').toString()).toBe('127.0.0.1/32');
    expect(Cidr.parse(' ::1 ').toString()).toBe('::1/128');
    expect(Cidr.parse('127.0.0.1').isSingleAddress).toBe(true);
    expect(Cidr.parse('127.0.0.0/8').isSingleAddress).toBe(false);
  });

  it('prints itself canonically', () => {
    expect(Cidr.parse('FD00:0:0::/8').toString()).toBe('fd00::/8');
  });

  it.each([
    ['example.com/24', '"example.com/24" is not a CIDR range (examples: 10.0.0.0/8, 192.168.1.10/32, fd00::/8)'],
    ['10.0.0/8', '"10.0.0/8" is not a CIDR range (examples: 10.0.0.0/8, 192.168.1.10/32, fd00::/8)'],
    ['10.0.0.0/8/8', '"10.0.0.0/8/8" is not a CIDR range (examples: 10.0.0.0/8, 192.168.1.10/32, fd00::/8)'],
    ['fe80::%eth0/64', '"fe80::%eth0/64" is not a CIDR range (examples: 10.0.0.0/8, 192.168.1.10/32, fd00::/8)'],
    ['10.0.0.0/33', '"10.0.0.0/33" has prefix length "33"; an IPv4 prefix length is a whole number from 0 to 32'],
    ['10.0.0.0/', '"10.0.0.0/" has prefix length ""; an IPv4 prefix length is a whole number from 0 to 32'],
    ['10.0.0.0/-1', '"10.0.0.0/-1" has prefix length "-1"; an IPv4 prefix length is a whole number from 0 to 32'],
    ['fd00::/129', '"fd00::/129" has prefix length "129"; an IPv6 prefix length is a whole number from 0 to 128'],
    ['10.0.0.1/8', '"10.0.0.1/8" has address bits set after the first 8; did you mean 10.0.0.0/8?'],
    ['fd00::1/8', '"fd00::1/8" has address bits set after the first 8; did you mean fd00::/8?'],
  ])('refuses %s, saying why', (entry, message) => {
    expect(() => Cidr.parse(entry)).toThrow(message);
  });
});

describe(parseCidrList.name, () => {
  it('reads a comma-separated list, skipping blanks', () => {
    expect(parseCidrList(' 10.0.0.0/8, ,fd00::/8,127.0.0.1/32,').map(String)).toEqual(['10.0.0.0/8', 'fd00::/8', '127.0.0.1/32']);
    expect(parseCidrList('')).toEqual([]);
  });

  it('names the bad entry', () => {
    expect(() => parseCidrList('10.0.0.0/8,192.168.1.1/16')).toThrow('"192.168.1.1/16" has address bits set after the first 16; did you mean 192.168.0.0/16?');
  });
});
