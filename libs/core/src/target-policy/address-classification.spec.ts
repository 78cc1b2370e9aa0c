import { AddressCategory, classifyAddress } from './address-classification';

type Row = [address: string, category: AddressCategory | 'public', reason?: string];

const ROWS: Row[] = [
  // IPv4, forbidden
  ['127.0.0.1', 'loopback', 'loopback address 127.0.0.1'],
  ['127.255.255.254', 'loopback', 'loopback address 127.255.255.254'],
  ['10.0.0.1', 'private', 'private address 10.0.0.1'],
  ['172.16.0.1', 'private', 'private address 172.16.0.1'],
  ['172.31.255.255', 'private', 'private address 172.31.255.255'],
  ['192.168.1.1', 'private', 'private address 192.168.1.1'],
  ['169.254.1.1', 'link-local', 'link-local address 169.254.1.1'],
  ['100.64.0.1', 'carrier-grade-nat', 'carrier-grade NAT address 100.64.0.1'],
  ['100.127.255.255', 'carrier-grade-nat', 'carrier-grade NAT address 100.127.255.255'],
  ['224.0.0.1', 'multicast', 'multicast address 224.0.0.1'],
  ['239.255.255.250', 'multicast', 'multicast address 239.255.255.250'],
  ['0.0.0.0', 'unspecified', 'unspecified address 0.0.0.0'],
  ['0.1.2.3', 'reserved', '"this network" address 0.1.2.3'],
  ['255.255.255.255', 'broadcast', 'broadcast address 255.255.255.255'],
  ['240.0.0.1', 'reserved', 'reserved address 240.0.0.1'],
  ['192.0.0.8', 'reserved', 'IETF protocol assignment address 192.0.0.8'],
  ['192.0.2.10', 'documentation', 'documentation address 192.0.2.10'],
  ['198.51.100.7', 'documentation', 'documentation address 198.51.100.7'],
  ['203.0.113.99', 'documentation', 'documentation address 203.0.113.99'],
  ['198.18.0.1', 'benchmarking', 'benchmarking address 198.18.0.1'],
  ['198.19.255.255', 'benchmarking', 'benchmarking address 198.19.255.255'],
  ['192.88.99.1', 'reserved', '6to4 relay anycast address 192.88.99.1'],
  ['169.254.169.254', 'cloud-metadata', 'cloud metadata address 169.254.169.254'],
  ['169.254.170.2', 'cloud-metadata', 'cloud metadata address 169.254.170.2'],
  ['100.100.100.200', 'cloud-metadata', 'cloud metadata address 100.100.100.200'],
  ['168.63.129.16', 'cloud-metadata', 'cloud metadata address 168.63.129.16'],
  // IPv4, public (including the neighbours of forbidden blocks)
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.215.14', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['192.169.0.1', 'public'],
  ['198.20.0.1', 'public'],
  ['223.255.255.255', 'public'],
  ['11.0.0.1', 'public'],
  ['126.255.255.255', 'public'],
  ['128.0.0.1', 'public'],
  // IPv6, forbidden
  ['::1', 'loopback', 'loopback address ::1'],
  ['0:0:0:0:0:0:0:1', 'loopback', 'loopback address ::1'],
  ['::', 'unspecified', 'unspecified address ::'],
  ['fe80::1', 'link-local', 'link-local address fe80::1'],
  ['fe80::1%eth0', 'link-local', 'link-local address fe80::1'],
  ['febf:ffff::1', 'link-local', 'link-local address febf:ffff::1'],
  ['fec0::1', 'private', 'deprecated site-local address fec0::1'],
  ['fc00::1', 'private', 'unique-local address fc00::1'],
  ['fd00::1', 'private', 'unique-local address fd00::1'],
  ['fd12:3456:789a::1', 'private', 'unique-local address fd12:3456:789a::1'],
  ['ff02::1', 'multicast', 'multicast address ff02::1'],
  ['ff05::1:3', 'multicast', 'multicast address ff05::1:3'],
  ['fd00:ec2::254', 'cloud-metadata', 'cloud metadata address fd00:ec2::254'],
  ['2001:db8::1', 'documentation', 'documentation address 2001:db8::1'],
  ['3fff::1', 'documentation', 'documentation address 3fff::1'],
  ['2001::1', 'tunnel', 'Teredo address 2001::1'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'tunnel', 'Teredo address 2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  ['2001:2::1', 'benchmarking', 'benchmarking address 2001:2::1'],
  ['2001:10::1', 'reserved', 'ORCHID address 2001:10::1'],
  ['2001:4:112::1', 'reserved', 'IETF protocol assignment address 2001:4:112::1'],
  ['100::1', 'reserved', 'discard-only address 100::1'],
  ['64:ff9b:1::1', 'private', 'local-use NAT64 address 64:ff9b:1::1'],
  ['5f00::1', 'reserved', 'SRv6 SID address 5f00::1'],
  ['4000::1', 'reserved', 'reserved IPv6 address (outside 2000::/3) 4000::1'],
  ['::2:0:0:1', 'reserved', 'reserved IPv6 address (outside 2000::/3) ::2:0:0:1'],
  // IPv6 carrying a forbidden IPv4 address
  ['::ffff:127.0.0.1', 'loopback', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
  ['::ffff:7f00:1', 'loopback', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
  ['::FFFF:A9FE:A9FE', 'cloud-metadata', 'cloud metadata address 169.254.169.254 inside IPv4-mapped address ::ffff:a9fe:a9fe'],
  ['::ffff:10.0.0.1', 'private', 'private address 10.0.0.1 inside IPv4-mapped address ::ffff:a00:1'],
  ['::ffff:0:127.0.0.1', 'loopback', 'loopback address 127.0.0.1 inside IPv4-translated address ::ffff:0:7f00:1'],
  ['::127.0.0.1', 'loopback', 'loopback address 127.0.0.1 inside deprecated IPv4-compatible address ::7f00:1'],
  ['64:ff9b::7f00:1', 'loopback', 'loopback address 127.0.0.1 inside NAT64 address 64:ff9b::7f00:1'],
  ['64:ff9b::169.254.169.254', 'cloud-metadata', 'cloud metadata address 169.254.169.254 inside NAT64 address 64:ff9b::a9fe:a9fe'],
  ['2002:7f00:1::', 'loopback', 'loopback address 127.0.0.1 inside 6to4 address 2002:7f00:1::'],
  ['2002:c0a8:101::1', 'private', 'private address 192.168.1.1 inside 6to4 address 2002:c0a8:101::1'],
  // IPv6 carrying a public IPv4 address: routable forms pass, the others are reserved
  ['::ffff:8.8.8.8', 'public'],
  ['64:ff9b::808:808', 'public'],
  ['2002:808:808::1', 'public'],
  ['::8.8.8.8', 'reserved', 'deprecated IPv4-compatible address ::808:808'],
  ['::ffff:0:808:808', 'reserved', 'IPv4-translated address ::ffff:0:808:808'],
  // IPv6, public
  ['2606:4700:4700::1111', 'public'],
  ['2001:4860:4860::8888', 'public'],
  ['2a00:1450:4001:80b::200e', 'public'],
  ['2001:200::1', 'public'],
  ['3ffe::1', 'public'],
  ['3fff:1000::1', 'public'],
  // not addresses at all
  ['localhost', 'not-an-address', '"localhost" is not an IP address'],
  ['127.1', 'not-an-address', '"127.1" is not an IP address'],
  ['[::1]', 'not-an-address', '"[::1]" is not an IP address'],
  ['', 'not-an-address', '"" is not an IP address'],
];

describe(classifyAddress.name, () => {
  // A rest parameter keeps jest from taking the optional third column for a `done` callback.
  it.each(ROWS)('%s is %s', (...[address, category, reason]: Row) => {
    const expected = category === 'public' ? { forbidden: false } : { forbidden: true, category, reason };

    expect(classifyAddress(address)).toEqual(expected);
  });
});
