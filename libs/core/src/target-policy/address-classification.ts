import { Cidr } from './cidr';
import { IpAddress } from './ip-address';

/** Why an address is not a public destination. `cloud-metadata` is kept apart because no switch opens it. */
export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade-nat'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'tunnel'
  | 'cloud-metadata'
  | 'not-an-address';

export type AddressClassification =
  | { forbidden: false }
  | {
      forbidden: true;
      category: AddressCategory;
      /** For people: what the address is, e.g. "loopback address 127.0.0.1". */
      reason: string;
    };

// `embeds-ipv4` is an IPv6 form that carries an IPv4 address: the IPv4 address is judged in its
// place, so that ::ffff:127.0.0.1 is as forbidden as 127.0.0.1. Forms no network routes are
// forbidden even around a public IPv4 address.
type AddressRule =
  | { cidr: Cidr; verdict: 'forbidden'; category: AddressCategory; name: string }
  | { cidr: Cidr; verdict: 'embeds-ipv4'; name: string; shift: number; routable: boolean }
  | { cidr: Cidr; verdict: 'public' };

function forbidden(cidr: string, category: AddressCategory, name: string): AddressRule {
  return { cidr: Cidr.parse(cidr), verdict: 'forbidden', category, name };
}

function publicRange(cidr: string): AddressRule {
  return { cidr: Cidr.parse(cidr), verdict: 'public' };
}

function embedsIpv4(cidr: string, name: string, shift: number, routable: boolean): AddressRule {
  return { cidr: Cidr.parse(cidr), verdict: 'embeds-ipv4', name, shift, routable };
}

/**
 * IANA's special-purpose registries (RFC 6890 and successors), plus the addresses where cloud
 * platforms hand out credentials. The narrowest matching rule decides, so 169.254.169.254 is
 * cloud metadata and not merely link-local, and `::1` is loopback and not IPv4-compatible.
 */
const ADDRESS_RULES: readonly AddressRule[] = [
  forbidden('0.0.0.0/32', 'unspecified', 'unspecified address'),
  forbidden('0.0.0.0/8', 'reserved', '"this network" address'),
  forbidden('10.0.0.0/8', 'private', 'private address'),
  forbidden('100.64.0.0/10', 'carrier-grade-nat', 'carrier-grade NAT address'),
  forbidden('127.0.0.0/8', 'loopback', 'loopback address'),
  forbidden('169.254.0.0/16', 'link-local', 'link-local address'),
  forbidden('172.16.0.0/12', 'private', 'private address'),
  forbidden('192.0.0.0/24', 'reserved', 'IETF protocol assignment address'),
  forbidden('192.0.2.0/24', 'documentation', 'documentation address'),
  forbidden('192.88.99.0/24', 'reserved', '6to4 relay anycast address'),
  forbidden('192.168.0.0/16', 'private', 'private address'),
  forbidden('198.18.0.0/15', 'benchmarking', 'benchmarking address'),
  forbidden('198.51.100.0/24', 'documentation', 'documentation address'),
  forbidden('203.0.113.0/24', 'documentation', 'documentation address'),
  forbidden('224.0.0.0/4', 'multicast', 'multicast address'),
  forbidden('240.0.0.0/4', 'reserved', 'reserved address'),
  forbidden('255.255.255.255/32', 'broadcast', 'broadcast address'),
  // AWS, GCP, Azure, Oracle and DigitalOcean metadata; AWS ECS task credentials; Alibaba Cloud
  // metadata (inside the carrier-grade NAT block); Azure's WireServer (a public address).
  forbidden('169.254.169.254/32', 'cloud-metadata', 'cloud metadata address'),
  forbidden('169.254.170.2/32', 'cloud-metadata', 'cloud metadata address'),
  forbidden('100.100.100.200/32', 'cloud-metadata', 'cloud metadata address'),
  forbidden('168.63.129.16/32', 'cloud-metadata', 'cloud metadata address'),
  forbidden('fd00:ec2::254/128', 'cloud-metadata', 'cloud metadata address'),

  forbidden('::/128', 'unspecified', 'unspecified address'),
  forbidden('::1/128', 'loopback', 'loopback address'),
  embedsIpv4('::ffff:0:0/96', 'IPv4-mapped address', 0, true),
  embedsIpv4('::ffff:0:0:0/96', 'IPv4-translated address', 0, false),
  embedsIpv4('::/96', 'deprecated IPv4-compatible address', 0, false),
  embedsIpv4('64:ff9b::/96', 'NAT64 address', 0, true),
  embedsIpv4('2002::/16', '6to4 address', 80, true),
  forbidden('64:ff9b:1::/48', 'private', 'local-use NAT64 address'),
  forbidden('100::/64', 'reserved', 'discard-only address'),
  forbidden('2001::/23', 'reserved', 'IETF protocol assignment address'),
  forbidden('2001::/32', 'tunnel', 'Teredo address'),
  forbidden('2001:2::/48', 'benchmarking', 'benchmarking address'),
  forbidden('2001:10::/28', 'reserved', 'ORCHID address'),
  forbidden('2001:20::/28', 'reserved', 'ORCHIDv2 address'),
  forbidden('2001:db8::/32', 'documentation', 'documentation address'),
  forbidden('3fff::/20', 'documentation', 'documentation address'),
  forbidden('5f00::/16', 'reserved', 'SRv6 SID address'),
  forbidden('fc00::/7', 'private', 'unique-local address'),
  forbidden('fe80::/10', 'link-local', 'link-local address'),
  forbidden('fec0::/10', 'private', 'deprecated site-local address'),
  forbidden('ff00::/8', 'multicast', 'multicast address'),
  // Only 2000::/3 is handed out for global unicast; the rest of the IPv6 space is reserved.
  publicRange('2000::/3'),
  forbidden('::/0', 'reserved', 'reserved IPv6 address (outside 2000::/3)'),
].sort((a, b) => b.cidr.prefixLength - a.cidr.prefixLength);

/** Whether an address may not be a webhook destination by default, and why. */
export function classifyAddress(address: string | IpAddress): AddressClassification {
  const parsed = typeof address === 'string' ? IpAddress.parse(address) : address;
  if (parsed === undefined) {
    return { forbidden: true, category: 'not-an-address', reason: `"${String(address)}" is not an IP address` };
  }
  const rule = ADDRESS_RULES.find((candidate) => candidate.cidr.contains(parsed));
  switch (rule?.verdict) {
    case undefined:
    case 'public':
      return { forbidden: false };
    case 'forbidden':
      return { forbidden: true, category: rule.category, reason: `${rule.name} ${parsed.toString()}` };
    case 'embeds-ipv4': {
      const embedded = classifyAddress(parsed.embeddedIpv4(rule.shift));
      if (embedded.forbidden) {
        return { forbidden: true, category: embedded.category, reason: `${embedded.reason} inside ${rule.name} ${parsed.toString()}` };
      }
      if (rule.routable) return { forbidden: false };
      return { forbidden: true, category: 'reserved', reason: `${rule.name} ${parsed.toString()}` };
    }
  }
}
