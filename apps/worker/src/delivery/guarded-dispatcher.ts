import { isIP } from 'node:net';
import { AddressCategory, systemTargetResolver, TargetPolicy, TargetResolver } from '@app/core';
import { Agent, buildConnector } from 'undici';

/** The guard connects only to addresses its resolver returned and the policy allowed. */
export type { ResolvedAddress, TargetResolver } from '@app/core';

/** Opens a socket the way undici's own connector does; the guard calls it with `hostname` set to a checked IP address. */
export type TargetConnector = buildConnector.connector;

export interface GuardedDispatcherOptions {
  policy: TargetPolicy;
  /** Defaults to the operating system's resolver, as undici itself would use (`dns.promises.lookup`, all addresses). */
  resolve?: TargetResolver;
  /**
   * Either a connector, or options for undici's own (`timeout` for connecting, `ca`, `rejectUnauthorized`, ...),
   * which is the default. `socketPath` is refused: it would skip the address check.
   */
  connect?: TargetConnector | buildConnector.BuildOptions;
  /** Pooling settings (keep-alive, header and body timeouts). Connecting is configured through `connect`. */
  agent?: Omit<
    Agent.Options,
    'connect' | 'factory' | 'socketPath' | 'tls' | 'connectTimeout' | 'autoSelectFamily' | 'autoSelectFamilyAttemptTimeout'
  >;
}

/** A delivery's target broke the target policy. Recorded on the attempt as its message, "refused: ...". */
export class TargetRefusedError extends Error {
  readonly code = 'IDEM_TARGET_REFUSED';

  /** `category` is the refused address's, when an address was refused rather than the URL's form. */
  constructor(
    readonly reason: string,
    readonly category?: AddressCategory,
  ) {
    super(`refused: ${reason}`);
    this.name = 'TargetRefusedError';
  }
}

/**
 * An undici Agent that only opens connections the target policy allows. For every new connection
 * it resolves the hostname once, refuses if any address is forbidden, and connects to the checked
 * address itself, so the answer cannot change (DNS rebinding) between the check and the connect.
 * TLS still sends the URL's hostname for SNI and checks the certificate against it, and the Host
 * header is untouched. Reuse one Agent for all deliveries: pooled keep-alive connections were
 * checked when they were opened.
 *
 * Redirects are never followed: undici 7 only follows them with the redirect interceptor, which
 * the HTTP sender does not use. A 3xx is recorded as the attempt's response like any other status.
 */
export function createGuardedDispatcher(options: GuardedDispatcherOptions): Agent {
  return new Agent({ ...options.agent, connect: guardedConnector(options) });
}

/** The connector inside `createGuardedDispatcher`, for building other undici dispatchers around it. */
export function guardedConnector({ policy, resolve = systemTargetResolver, connect = {} }: GuardedDispatcherOptions): TargetConnector {
  if (typeof connect !== 'function' && ('socketPath' in connect || 'path' in connect)) {
    throw new Error('a guarded connector cannot connect through a socket path; it would skip the address check');
  }
  const connectTo = typeof connect === 'function' ? connect : buildConnector(connect);

  return (target, callback) => {
    const tryInTurn = (addresses: readonly string[]): void => {
      // A TLS server name must be a hostname (RFC 6066); for an IP literal the certificate is checked against the IP.
      const servername = isIP(target.hostname) ? undefined : target.hostname;
      try {
        connectTo({ ...target, hostname: addresses[0], servername }, (...result) => {
          // Every address was checked, so falling back to the next one keeps the guarantee.
          if (result[0] !== null && addresses.length > 1) return tryInTurn(addresses.slice(1));
          callback(...result);
        });
      } catch (error) {
        callback(error as Error, null);
      }
    };
    checkedAddresses(policy, resolve, target).then(tryInTurn, (error: Error) => callback(error, null));
  };
}

async function checkedAddresses(policy: TargetPolicy, resolve: TargetResolver, target: buildConnector.Options): Promise<string[]> {
  // The URL was checked when the endpoint was saved; checking it again covers policies tightened since (httpsOnly).
  const host = target.host ?? (isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname);
  const urlVerdict = policy.checkUrl(`${target.protocol}//${host}/`);
  if (!urlVerdict.allowed) throw new TargetRefusedError(urlVerdict.reason, urlVerdict.category);

  const hostname = target.hostname;
  const addresses = isIP(hostname) ? [hostname] : (await resolve(hostname)).map((resolved) => resolved.address);
  if (addresses.length === 0) throw new Error(`${hostname} resolved to no address`);
  const verdict = policy.checkResolved(hostname, addresses);
  if (!verdict.allowed) throw new TargetRefusedError(verdict.reason, verdict.category);
  return addresses;
}
