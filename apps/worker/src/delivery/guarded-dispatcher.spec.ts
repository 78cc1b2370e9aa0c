import { createServer as createHttpServer, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo, isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { Cidr, IpAddress, TargetPolicy, TargetPolicyOptions } from '@app/core';
import { Agent, buildConnector, request } from 'undici';
import { createGuardedDispatcher, guardedConnector, TargetRefusedError, TargetResolver } from './guarded-dispatcher';

// The machines these tests run on forbid traffic beyond loopback, and a broken guard must not
// change that: every hostname resolves through FakeResolver, and every socket is opened through
// LoopbackOnlyConnector, which refuses (and fails the test for) any address outside loopback.

const LOOPBACK = [Cidr.parse('127.0.0.0/8'), Cidr.parse('::1/128')];

class LoopbackOnlyConnector {
  /** The host of every connection the guard asked for, in order. */
  readonly asked: string[] = [];
  readonly violations: string[] = [];

  constructor(
    private readonly inner: buildConnector.connector = buildConnector({}),
    private readonly unreachable: readonly string[] = [],
  ) {}

  readonly connect: buildConnector.connector = (options, callback) => {
    this.asked.push(options.hostname);
    const address = IpAddress.parse(options.hostname)?.unmapped();
    if (address === undefined || !LOOPBACK.some((cidr) => cidr.contains(address))) {
      this.violations.push(options.hostname);
      callback(new Error(`test connector will not leave loopback for ${options.hostname}`), null);
      return;
    }
    if (this.unreachable.includes(options.hostname)) {
      callback(Object.assign(new Error(`connect ECONNREFUSED ${options.hostname}`), { code: 'ECONNREFUSED' }), null);
      return;
    }
    this.inner(options, callback);
  };
}

class FakeResolver {
  readonly lookups: string[] = [];
  private readonly answers = new Map<string, string[][]>();

  /** Answers each lookup of `hostname` with the next list, repeating the last one. */
  answer(hostname: string, ...answersInTurn: string[][]): this {
    this.answers.set(hostname, answersInTurn);
    return this;
  }

  readonly resolve: TargetResolver = async (hostname) => {
    this.lookups.push(hostname);
    const answers = this.answers.get(hostname);
    if (answers === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    const addresses = answers.length > 1 ? answers.splice(0, 1)[0] : answers[0];
    return addresses.map((address) => ({ address, family: isIP(address) }));
  };
}

/** A listener on a loopback address that counts what reaches it. */
class Canary {
  closeEachConnection = false;
  requests = 0;
  connections = 0;
  readonly hosts: string[] = [];
  readonly servernames: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {
    server.on('connection', () => this.connections++);
    server.on('secureConnection', (socket: TLSSocket) => this.servernames.push(String(socket.servername)));
    server.on('request', (incoming, response) => {
      this.requests++;
      this.hosts.push(incoming.headers.host ?? '');
      if (this.closeEachConnection) response.setHeader('connection', 'close');
      response.end('canary');
    });
  }

  static http(address = '127.0.0.1'): Promise<Canary> {
    return Canary.listen(createHttpServer(), address);
  }

  static https(): Promise<Canary> {
    return Canary.listen(createHttpsServer({ cert: CERTIFICATE, key: PRIVATE_KEY }), '127.0.0.1');
  }

  private static listen(server: Server, address: string): Promise<Canary> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve(new Canary(server, address)));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe(createGuardedDispatcher.name, () => {
  let sut: Agent;
  let resolver: FakeResolver;
  let connector: LoopbackOnlyConnector;
  let canaries: Canary[];

  function guard(policy: Partial<TargetPolicyOptions>, inner?: LoopbackOnlyConnector): Agent {
    connector = inner ?? new LoopbackOnlyConnector();
    sut = createGuardedDispatcher({
      policy: new TargetPolicy({ allowPrivateTargets: false, allowlist: [], httpsOnly: false, ...policy }),
      resolve: resolver.resolve,
      connect: connector.connect,
    });
    return sut;
  }

  async function canary(start: Promise<Canary> = Canary.http()): Promise<Canary> {
    const started = await start;
    canaries.push(started);
    return started;
  }

  async function get(url: string): Promise<{ status: number; body: string }> {
    const response = await request(url, { dispatcher: sut });
    return { status: response.statusCode, body: await response.body.text() };
  }

  beforeEach(() => {
    resolver = new FakeResolver();
    connector = new LoopbackOnlyConnector();
    canaries = [];
  });

  afterEach(async () => {
    await sut?.close();
    await Promise.all(canaries.map((started) => started.close()));
    expect(connector.violations).toEqual([]);
  });

  describe('with private targets forbidden and 127.0.0.1/32 allow-listed', () => {
    it('reaches a canary through a hostname that resolves to 127.0.0.1, Host header unchanged', async () => {
      const target = await canary();
      resolver.answer('hooks.example.test', ['127.0.0.1']);
      guard({ allowlist: ['127.0.0.1/32'] });

      await expect(get(`http://hooks.example.test:${target.port}/idem`)).resolves.toEqual({ status: 200, body: 'canary' });

      expect(target.requests).toBe(1);
      expect(target.hosts).toEqual([`hooks.example.test:${target.port}`]);
      expect(connector.asked).toEqual(['127.0.0.1']);
    });

    it('reaches a canary through numeric spellings of 127.0.0.1 without resolving them', async () => {
      const target = await canary();
      guard({ allowlist: ['127.0.0.1/32'] });

      for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '0177.0.0.1', '127.1']) {
        await expect(get(`http://${host}:${target.port}/`)).resolves.toEqual({ status: 200, body: 'canary' });
      }

      expect(target.requests).toBe(5);
      expect(resolver.lookups).toEqual([]);
    });

    it('refuses a canary on a loopback address outside the allow-list', async () => {
      const reachable = await canary(Canary.http('127.0.0.1'));
      const outside = await canary(Canary.http('127.0.0.2'));
      resolver.answer('reachable.example.test', ['127.0.0.1']).answer('outside.example.test', ['127.0.0.2']);
      guard({ allowlist: ['127.0.0.1/32'] });

      await expect(get(`http://outside.example.test:${outside.port}/`)).rejects.toMatchObject({
        name: 'TargetRefusedError',
        message: 'refused: outside.example.test resolves to loopback address 127.0.0.2',
      });
      await expect(get(`http://127.0.0.2:${outside.port}/`)).rejects.toThrow('refused: loopback address 127.0.0.2');
      await expect(get(`http://reachable.example.test:${reachable.port}/`)).resolves.toMatchObject({ status: 200 });

      expect(outside.requests).toBe(0);
      expect(reachable.requests).toBe(1);
      expect(connector.asked).toEqual(['127.0.0.1']);
    });

    it('refuses when any one of the resolved addresses is forbidden', async () => {
      const target = await canary();
      resolver.answer('mixed.example.test', ['127.0.0.1', '10.0.0.7']);
      guard({ allowlist: ['127.0.0.1/32'] });

      await expect(get(`http://mixed.example.test:${target.port}/`)).rejects.toThrow(
        new TargetRefusedError('mixed.example.test resolves to private address 10.0.0.7'),
      );

      expect(target.requests).toBe(0);
      expect(connector.asked).toEqual([]);
    });

    it('connects to the address it checked, so a rebinding resolver cannot redirect the request', async () => {
      const target = await canary();
      target.closeEachConnection = true;
      resolver.answer('rebind.example.test', ['127.0.0.1'], ['169.254.169.254']);
      guard({ allowlist: ['127.0.0.1/32'] });

      await expect(get(`http://rebind.example.test:${target.port}/`)).resolves.toMatchObject({ status: 200 });
      // The one lookup was the one checked: the connector got its address, not a hostname to look up again.
      expect(resolver.lookups).toEqual(['rebind.example.test']);
      expect(connector.asked).toEqual(['127.0.0.1']);

      // The canary closed the connection, so the next request connects afresh and meets the new answer.
      await expect(get(`http://rebind.example.test:${target.port}/`)).rejects.toThrow(
        'refused: rebind.example.test resolves to cloud metadata address 169.254.169.254',
      );
      expect(resolver.lookups).toEqual(['rebind.example.test', 'rebind.example.test']);
      expect(connector.asked).toEqual(['127.0.0.1']);
      expect(target.requests).toBe(1);
    });

    it('keeps one connection alive across requests, resolving only when it connects', async () => {
      const target = await canary();
      resolver.answer('hooks.example.test', ['127.0.0.1']);
      guard({ allowlist: ['127.0.0.1/32'] });

      for (let i = 0; i < 3; i++) {
        await expect(get(`http://hooks.example.test:${target.port}/`)).resolves.toMatchObject({ status: 200 });
        // undici hands the socket back to the pool a turn after the body ends; without this wait
        // the next request finds it busy and opens a second connection (so does a plain Agent).
        await new Promise((resolve) => setImmediate(resolve));
      }

      expect(target.requests).toBe(3);
      expect(target.connections).toBe(1);
      expect(resolver.lookups).toEqual(['hooks.example.test']);
    });

    it('falls back to the next checked address when one cannot be reached', async () => {
      const target = await canary();
      resolver.answer('hooks.example.test', ['127.0.0.3', '127.0.0.1']);
      guard({ allowlist: ['127.0.0.0/8'] }, new LoopbackOnlyConnector(buildConnector({}), ['127.0.0.3']));

      await expect(get(`http://hooks.example.test:${target.port}/`)).resolves.toMatchObject({ status: 200 });

      expect(connector.asked).toEqual(['127.0.0.3', '127.0.0.1']);
      expect(target.requests).toBe(1);
    });
  });

  describe('with private targets forbidden and nothing allow-listed', () => {
    it('refuses a loopback canary, never connecting to it', async () => {
      const target = await canary();
      resolver.answer('hooks.example.test', ['127.0.0.1']);
      guard({});

      const refusal = get(`http://hooks.example.test:${target.port}/`);

      await expect(refusal).rejects.toBeInstanceOf(TargetRefusedError);
      await expect(refusal).rejects.toMatchObject({
        code: 'IDEM_TARGET_REFUSED',
        reason: 'hooks.example.test resolves to loopback address 127.0.0.1',
      });
      expect(target.requests).toBe(0);
      expect(target.connections).toBe(0);
      expect(connector.asked).toEqual([]);
    });

    it.each([
      ['metadata.example.test', '169.254.169.254', 'cloud metadata address 169.254.169.254'],
      ['aws6.example.test', 'fd00:ec2::254', 'cloud metadata address fd00:ec2::254'],
      ['internal.example.test', '10.0.0.5', 'private address 10.0.0.5'],
      ['cgnat.example.test', '100.64.0.1', 'carrier-grade NAT address 100.64.0.1'],
      ['ula.example.test', 'fd00::1', 'unique-local address fd00::1'],
      ['link.example.test', 'fe80::1', 'link-local address fe80::1'],
      ['mapped.example.test', '::ffff:127.0.0.1', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
      ['nat64.example.test', '64:ff9b::a00:1', 'private address 10.0.0.1 inside NAT64 address 64:ff9b::a00:1'],
      ['localhost', '::1', 'loopback address ::1'],
    ])('refuses %s, which resolves to %s', async (hostname, address, reason) => {
      resolver.answer(hostname, [address]);
      guard({});

      await expect(get(`http://${hostname}/`)).rejects.toThrow(new TargetRefusedError(`${hostname} resolves to ${reason}`));
      expect(connector.asked).toEqual([]);
    });

    it.each([
      ['http://2130706433/', 'loopback address 127.0.0.1'],
      ['http://0x7f.1/', 'loopback address 127.0.0.1'],
      ['http://[::ffff:127.0.0.1]/', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
      ['http://[::ffff:7f00:1]/', 'loopback address 127.0.0.1 inside IPv4-mapped address ::ffff:7f00:1'],
      ['http://[64:ff9b::7f00:1]/', 'loopback address 127.0.0.1 inside NAT64 address 64:ff9b::7f00:1'],
      ['http://[2002:7f00:1::]/', 'loopback address 127.0.0.1 inside 6to4 address 2002:7f00:1::'],
      ['http://169.254.169.254/', 'cloud metadata address 169.254.169.254'],
      ['http://100.64.0.1/', 'carrier-grade NAT address 100.64.0.1'],
      ['http://[fe80::1]/', 'link-local address fe80::1'],
      ['http://[fd00::1]/', 'unique-local address fd00::1'],
      ['http://224.0.0.1/', 'multicast address 224.0.0.1'],
      ['http://0.0.0.0/', 'unspecified address 0.0.0.0'],
    ])('refuses the IP literal in %s without resolving or connecting', async (url, reason) => {
      guard({});

      await expect(get(url)).rejects.toThrow(new TargetRefusedError(reason));
      expect(resolver.lookups).toEqual([]);
      expect(connector.asked).toEqual([]);
    });

    it('passes a failed lookup through as it is, not as a refusal', async () => {
      guard({});

      await expect(get('http://missing.example.test/')).rejects.toMatchObject({ code: 'ENOTFOUND' });
      expect(connector.asked).toEqual([]);
    });

    it('fails a hostname that resolves to no address', async () => {
      resolver.answer('empty.example.test', []);
      guard({});

      await expect(get('http://empty.example.test/')).rejects.toThrow('empty.example.test resolved to no address');
      expect(connector.asked).toEqual([]);
    });
  });

  describe('with private targets allowed', () => {
    it('reaches a loopback canary but still refuses cloud metadata', async () => {
      const target = await canary();
      resolver.answer('hooks.example.test', ['127.0.0.1']).answer('metadata.example.test', ['169.254.169.254']);
      guard({ allowPrivateTargets: true });

      await expect(get(`http://hooks.example.test:${target.port}/`)).resolves.toMatchObject({ status: 200 });
      await expect(get('http://metadata.example.test/')).rejects.toThrow(
        'refused: metadata.example.test resolves to cloud metadata address 169.254.169.254',
      );
      await expect(get('http://[fd00:ec2::254]/')).rejects.toThrow('refused: cloud metadata address fd00:ec2::254');

      expect(target.requests).toBe(1);
      expect(connector.asked).toEqual(['127.0.0.1']);
    });
  });

  describe('over TLS', () => {
    it('sends the URL hostname for SNI and verifies the certificate against it, while connecting to the checked address', async () => {
      const target = await canary(Canary.https());
      resolver.answer('hooks.example.test', ['127.0.0.1']);
      guard({ allowlist: ['127.0.0.1/32'] }, new LoopbackOnlyConnector(buildConnector({ ca: CERTIFICATE })));

      await expect(get(`https://hooks.example.test:${target.port}/`)).resolves.toEqual({ status: 200, body: 'canary' });

      expect(target.servernames).toEqual(['hooks.example.test']);
      expect(target.hosts).toEqual([`hooks.example.test:${target.port}`]);
      expect(connector.asked).toEqual(['127.0.0.1']);
    });

    it('rejects a certificate that does not name the URL hostname, though the address is allowed', async () => {
      const target = await canary(Canary.https());
      resolver.answer('other.example.test', ['127.0.0.1']);
      guard({ allowlist: ['127.0.0.1/32'] }, new LoopbackOnlyConnector(buildConnector({ ca: CERTIFICATE })));

      await expect(get(`https://other.example.test:${target.port}/`)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect(target.requests).toBe(0);
    });

    it('refuses plain http before resolving when the policy requires https', async () => {
      resolver.answer('hooks.example.test', ['127.0.0.1']);
      guard({ httpsOnly: true, allowlist: ['127.0.0.1/32'] });

      await expect(get('http://hooks.example.test/')).rejects.toThrow('refused: URL scheme must be https, not http');
      expect(resolver.lookups).toEqual([]);
      expect(connector.asked).toEqual([]);
    });
  });
});

describe(guardedConnector.name, () => {
  it('will not connect through a socket path, which would skip the address check', () => {
    const policy = new TargetPolicy({ allowPrivateTargets: true, allowlist: [], httpsOnly: false });

    expect(() => guardedConnector({ policy, connect: { socketPath: '/run/idem.sock' } })).toThrow(
      'a guarded connector cannot connect through a socket path; it would skip the address check',
    );
  });
});

// A self-signed certificate for hooks.example.test, valid 2000-2100, used only by the TLS canary.
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBazCCARGgAwIBAgIBATAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJob29rcy5l
eGFtcGxlLnRlc3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMB0x
GzAZBgNVBAMMEmhvb2tzLmV4YW1wbGUudGVzdDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABGxODYeHAIFzBwhTQGvX10FmmAmEoIas160v0FOWyw3ybqXlr8WPQmiA
UfdlyPZEBzP/zIIXGQFacIsQwMnhUYyjQDA+MB0GA1UdEQQWMBSCEmhvb2tzLmV4
YW1wbGUudGVzdDAdBgNVHQ4EFgQUjADhmFyzGF/tvia8NboDycvKF9YwCgYIKoZI
zj0EAwIDSAAwRQIgIhOscxWQme6WLwEHvyfNcdgYxoQdacuxgDh7tDD4PNUCIQDE
qfrFlSUdTcS6xFkTTV3eap7OKLqnN5rz4vJvy3nMZA==
-----END CERTIFICATE-----
`;

const PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiwP0V7UxqxmCbdez
JVdVgcTgnAyv/BfwuctPRXio2L+hRANCAARsTg2HhwCBcwcIU0Br19dBZpgJhKCG
rNetL9BTlssN8m6l5a/Fj0JogFH3Zcj2RAcz/8yCFxkBWnCLEMDJ4VGM
-----END PRIVATE KEY-----
`;
