import { IpAddress } from './ip-address';

describe(IpAddress.name, () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['1::', '1::'],
    ['::', '::'],
  ])('reads %s and prints it as %s', (text, printed) => {
    expect(IpAddress.parse(text)?.toString()).toBe(printed);
  });

  it.each(['127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '[::1]', 'localhost', '1.2.3.4.5', '::ffff::1'])(
    'refuses the non-strict or malformed form %s',
    (text) => {
      expect(IpAddress.parse(text)).toBeUndefined();
    },
  );

  it('finds the IPv4 address inside IPv4-mapped and 6to4 addresses', () => {
    expect(IpAddress.parse('::ffff:7f00:1')?.unmapped().toString()).toBe('127.0.0.1');
    expect(IpAddress.parse('2002:c0a8:101::1')?.embeddedIpv4(80).toString()).toBe('192.168.1.1');
  });

  it('writes an IPv4 address in IPv4-mapped form', () => {
    expect(IpAddress.parse('10.1.2.3')?.mapped().toString()).toBe('::ffff:a01:203');
  });

  it('leaves addresses that are not IPv4-mapped alone when unmapping', () => {
    const sut = IpAddress.parse('64:ff9b::7f00:1');

    expect(sut?.unmapped()).toBe(sut);
  });
});
