import { TargetPolicy, TargetPolicyOptions } from './target-policy';
import { ResolvedAddress, TargetResolver } from './target-resolver';

function policy(options: Partial<TargetPolicyOptions> = {}): TargetPolicy {
  return new TargetPolicy({ allowPrivateTargets: false, allowlist: [], httpsOnly: false, ...options });
}

describe(TargetPolicy.name, () => {
  describe('checkUrl', () => {
    it.each([
      ['https://hooks.example.com/idem'],
      ['http://hooks.example.com:8080/idem?x=1'],
      ['https://8.8.8.8/'],
      ['https://[2606:4700:4700::1111]/'],
      // Hostnames are judged when a delivery resolves them, not here.
      ['http://localhost/'],
      ['http://127.0.0.1.nip.io/'],
    ])('allows %s', (url) => {
      expect(policy().checkUrl(url)).toEqual({ allowed: true });
    });

    // WHATWG parsing (the same as undici's) turns every numeric trick into a canonical address first.
    it.each([
      ['http://127.0.0.1/', 'loopback address 127.0.0.1'],
      ['http://2130706433/', 'loopback address 127.0.0.1'],
      ['http://0x7f000001/', 'loopback address 127.0.0.1'],
      ['http://0x7f.1/', 'loopback address 127.0.0.1'],
      ['http://0177.0.0.1/', 'loopback address 127.0.0.1'],
      ['http://127.1/', 'loopback address 127.0.0.1'],
      ['http://127.0.0.1./', 'loopback address 127.0.0.1'],
      ['http://%31%32%37.0.0.1/', 'loopback address 127.0.0.1'],
      ['http://[::1]:8080/', 'loopback address ::1'],
      ['http://[::ffff:127.0.0.1]/', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
      ['http://[::ffff:7f00:1]/', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
      ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
      ['http://[::127.0.0.1]/', 'loopback address 127.0.0.1 inside deprecated IPv4-compatible address ::7f00:1'],
      ['http://[64:ff9b::7f00:1]/', 'loopback address 127.0.0.1 inside NAT64 address 64:ff9b::7f00:1'],
      ['http://[2002:7f00:1::]/', 'loopback address 127.0.0.1 inside 6to4 address 2002:7f00:1::'],
      ['http://169.254.169.254/latest/meta-data/', 'cloud metadata address 169.254.169.254'],
      ['http://[fd00:ec2::254]/', 'cloud metadata address fd00:ec2::254'],
      ['http://100.64.0.1/', 'carrier-grade NAT address 100.64.0.1'],
      ['http://10.0.0.1/', 'private address 10.0.0.1'],
      ['http://[fe80::1]/', 'link-local address fe80::1'],
      ['http://[fd00::1]/', 'unique-local address fd00::1'],
      ['http://224.0.0.1/', 'multicast address 224.0.0.1'],
      ['http://0.0.0.0/', 'unspecified address 0.0.0.0'],
      ['http://0/', 'unspecified address 0.0.0.0'],
      ['http://255.255.255.255/', 'broadcast address 255.255.255.255'],
    ])('refuses %s as a %s', (url, reason) => {
      expect(policy().checkUrl(url)).toMatchObject({ allowed: false, reason });
    });

    it.each([
      ['ftp://hooks.example.com/', 'URL scheme must be http or https, not ftp'],
      ['file:///etc/passwd', 'URL scheme must be http or https, not file'],
      ['javascript:alert(1)', 'URL scheme must be http or https, not javascript'],
      ['https://user:secret@hooks.example.com/', 'URL must not contain a user name or password'],
      ['https://user@hooks.example.com/', 'URL must not contain a user name or password'],
      ['hooks.example.com/idem', 'not a valid URL'],
      ['http://', 'not a valid URL'],
      ['', 'not a valid URL'],
      [`https://hooks.example.com/${'a'.repeat(2048)}`, 'URL is longer than 2048 characters'],
    ])('refuses %s', (url, reason) => {
      expect(policy().checkUrl(url)).toMatchObject({ allowed: false, reason });
    });

    it('accepts a URL of exactly the maximum length', () => {
      const base = 'https://hooks.example.com/';
      const url = base + 'a'.repeat(TargetPolicy.MAX_URL_LENGTH - base.length);

      expect(policy().checkUrl(url)).toEqual({ allowed: true });
    });

    it('refuses plain http when https is required', () => {
      const sut = policy({ httpsOnly: true });

      expect(sut.checkUrl('http://hooks.example.com/')).toMatchObject({ allowed: false, reason: 'URL scheme must be https, not http' });
      expect(sut.checkUrl('https://hooks.example.com/')).toEqual({ allowed: true });
    });

    it('lets an allow-listed IP literal through, in any of its spellings', () => {
      const sut = policy({ allowlist: ['127.0.0.1/32'] });

      expect(sut.checkUrl('http://2130706433:8080/')).toEqual({ allowed: true });
      expect(sut.checkUrl('http://[::ffff:127.0.0.1]:8080/')).toEqual({ allowed: true });
      expect(sut.checkUrl('http://127.0.0.2/')).toMatchObject({ allowed: false, reason: 'loopback address 127.0.0.2' });
    });
  });

  describe('checkAddress', () => {
    it('allows public addresses and refuses forbidden ones with a reason', () => {
      const sut = policy();

      expect(sut.checkAddress('93.184.215.14')).toEqual({ allowed: true });
      expect(sut.checkAddress('2606:4700:4700::1111')).toEqual({ allowed: true });
      expect(sut.checkAddress('192.168.0.10')).toMatchObject({ allowed: false, reason: 'private address 192.168.0.10' });
      expect(sut.checkAddress('fd00::1')).toMatchObject({ allowed: false, reason: 'unique-local address fd00::1' });
    });

    it('lets addresses inside the allow-list through, and only those', () => {
      const sut = policy({ allowlist: ['10.1.2.0/24', 'fd00:1::/32'] });

      expect(sut.checkAddress('10.1.2.200')).toEqual({ allowed: true });
      expect(sut.checkAddress('fd00:1:2::3')).toEqual({ allowed: true });
      expect(sut.checkAddress('10.1.3.1')).toMatchObject({ allowed: false, reason: 'private address 10.1.3.1' });
      expect(sut.checkAddress('fd00:2::1')).toMatchObject({ allowed: false, reason: 'unique-local address fd00:2::1' });
    });

    it('matches IPv4-mapped addresses against IPv4 entries and the other way round', () => {
      expect(policy({ allowlist: ['10.0.0.0/8'] }).checkAddress('::ffff:10.1.2.3')).toEqual({ allowed: true });
      expect(policy({ allowlist: ['::ffff:10.0.0.0/104'] }).checkAddress('10.1.2.3')).toEqual({ allowed: true });
    });

    it('allows every address when private targets are allowed, except cloud metadata', () => {
      const sut = policy({ allowPrivateTargets: true });

      for (const address of ['127.0.0.1', '10.0.0.1', '::1', 'fe80::1', '100.64.0.1', '0.0.0.0']) {
        expect(sut.checkAddress(address)).toEqual({ allowed: true });
      }
      expect(sut.checkAddress('169.254.169.254')).toMatchObject({ allowed: false, reason: 'cloud metadata address 169.254.169.254' });
      expect(sut.checkAddress('fd00:ec2::254')).toMatchObject({ allowed: false, reason: 'cloud metadata address fd00:ec2::254' });
      expect(sut.checkAddress('::ffff:169.254.169.254')).toMatchObject({
        allowed: false,
        reason: 'cloud metadata address 169.254.169.254 inside IPv4-mapped address ::ffff:a9fe:a9fe',
      });
    });

    it('opens a cloud metadata address only for an allow-list entry naming it alone', () => {
      expect(policy({ allowPrivateTargets: true, allowlist: ['169.254.0.0/16', 'fd00::/8'] }).checkAddress('169.254.169.254')).toMatchObject({
        allowed: false,
        reason: 'cloud metadata address 169.254.169.254',
      });
      expect(policy({ allowlist: ['169.254.0.0/16'] }).checkAddress('169.254.1.1')).toEqual({ allowed: true });
      expect(policy({ allowlist: ['169.254.169.254/32'] }).checkAddress('169.254.169.254')).toEqual({ allowed: true });
      expect(policy({ allowlist: ['fd00:ec2::254'] }).checkAddress('fd00:ec2::254')).toEqual({ allowed: true });
    });

    it('refuses text that is not an address, whatever the options', () => {
      const sut = policy({ allowPrivateTargets: true, allowlist: ['0.0.0.0/0', '::/0'] });

      expect(sut.checkAddress('localhost')).toMatchObject({ allowed: false, reason: '"localhost" is not an IP address' });
    });
  });

  describe('checkSavedUrl', () => {
    /** DNS as a table; a name not in it does not exist. Records every name asked. */
    function fakeDns(records: Record<string, string[]>): TargetResolver & { asked: string[] } {
      const asked: string[] = [];
      const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
        asked.push(hostname);
        const addresses = records[hostname];
        if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      };
      return Object.assign(resolve, { asked });
    }
    const dns = fakeDns({
      localhost: ['127.0.0.1', '::1'],
      'metadata.google.internal': ['169.254.169.254'],
      'hooks.example.com': ['93.184.215.14'],
      'split.example.com': ['93.184.215.14', '10.0.0.7'],
    });

    it.each([
      ['http://localhost:9/', 'localhost resolves to loopback address 127.0.0.1', 'loopback'],
      ['http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal resolves to cloud metadata address 169.254.169.254', 'cloud-metadata'],
      ['https://split.example.com/', 'split.example.com resolves to private address 10.0.0.7', 'private'],
    ])('refuses %s for what its name resolves to', async (url, reason, category) => {
      expect(await policy().checkSavedUrl(url, dns)).toEqual({ allowed: false, reason, category });
    });

    it('allows a name that resolves to public addresses only', async () => {
      expect(await policy().checkSavedUrl('https://hooks.example.com/idem', dns)).toEqual({ allowed: true });
    });

    it('allows a name that does not resolve (yet): the worker checks again at every connection', async () => {
      expect(await policy().checkSavedUrl('https://not-yet.example.com/', dns)).toEqual({ allowed: true });
    });

    it('allows a name whose lookup does not answer in time', async () => {
      const silent: TargetResolver = () => new Promise(() => undefined);

      expect(await policy().checkSavedUrl('https://slow.example.com/', silent, 10)).toEqual({ allowed: true });
    });

    it('keeps metadata forbidden behind a name when private targets are allowed', async () => {
      const sut = policy({ allowPrivateTargets: true });

      expect(await sut.checkSavedUrl('http://localhost:9/', dns)).toEqual({ allowed: true });
      expect(await sut.checkSavedUrl('http://metadata.google.internal/', dns)).toMatchObject({ allowed: false, category: 'cloud-metadata' });
    });

    it('judges numeric hosts as the address they mean, without a lookup', async () => {
      const sut = policy();
      const before = dns.asked.length;

      expect(await sut.checkSavedUrl('http://2130706433/', dns)).toMatchObject({ allowed: false, reason: 'loopback address 127.0.0.1' });
      expect(await sut.checkSavedUrl('http://0x7f.1/', dns)).toMatchObject({ allowed: false, reason: 'loopback address 127.0.0.1' });
      expect(await sut.checkSavedUrl('http://169.254.169.254./', dns)).toMatchObject({ allowed: false, reason: 'cloud metadata address 169.254.169.254' });
      expect(dns.asked.length).toBe(before);
    });

    it('refuses a malformed URL without a lookup', async () => {
      expect(await policy().checkSavedUrl('ftp://localhost/', dns)).toEqual({ allowed: false, reason: 'URL scheme must be http or https, not ftp' });
    });
  });

  it('refuses to be built with a bad allow-list entry, quoting it', () => {
    expect(() => policy({ allowlist: ['10.0.0.0/8', '10.0.0.1/8'] })).toThrow('"10.0.0.1/8" has address bits set after the first 8; did you mean 10.0.0.0/8?');
  });
});
