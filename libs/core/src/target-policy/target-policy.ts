import { AddressCategory, classifyAddress } from './address-classification';
import { Cidr } from './cidr';
import { IpAddress } from './ip-address';
import { TargetResolver } from './target-resolver';
import { withTimeout } from '../with-timeout';

export interface TargetPolicyOptions {
  /**
   * Lets endpoints target any address at all (development, closed networks), except cloud metadata
   * addresses: those stay forbidden unless an allow-list entry names them exactly.
   */
  allowPrivateTargets: boolean;
  /**
   * CIDR ranges that may be targeted although they are forbidden by default, e.g. `10.1.2.0/24`.
   * A cloud metadata address is only let through by an entry naming it alone (`169.254.169.254/32`),
   * so that a broad entry such as `169.254.0.0/16` does not open it by accident.
   */
  allowlist: readonly string[];
  /** Refuses plain `http://` endpoint URLs. */
  httpsOnly: boolean;
}

/** A refusal of an address carries its category, so that a caller can say which setting would open it. */
export type TargetVerdict = { allowed: true } | { allowed: false; reason: string; category?: AddressCategory };

const ALLOWED: TargetVerdict = { allowed: true };

function refused(reason: string, category?: AddressCategory): TargetVerdict {
  return category === undefined ? { allowed: false, reason } : { allowed: false, reason, category };
}

/** How long saving an endpoint waits for its hostname to resolve before accepting it unresolved. */
export const SAVE_RESOLUTION_TIMEOUT_MS = 2_000;

/**
 * Where endpoints may send webhooks. `checkUrl` judges a URL's form and any IP address written in it;
 * `checkSavedUrl` adds what its hostname resolves to when an endpoint is created or changed; and
 * `checkResolved` judges every address a hostname resolves to when a delivery connects, because a
 * hostname can resolve to anything and can change between saving and sending.
 */
export class TargetPolicy {
  static readonly MAX_URL_LENGTH = 2048;

  private readonly allowlist: readonly Cidr[];

  /** Throws on an allow-list entry that is not a CIDR range, quoting it. */
  constructor(private readonly options: TargetPolicyOptions) {
    this.allowlist = options.allowlist.map((entry) => Cidr.parse(entry));
  }

  checkUrl(url: string): TargetVerdict {
    if (url.length > TargetPolicy.MAX_URL_LENGTH) {
      return refused(`URL is longer than ${TargetPolicy.MAX_URL_LENGTH} characters`);
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return refused('not a valid URL');
    }
    if (this.options.httpsOnly && parsed.protocol !== 'https:') {
      return refused(`URL scheme must be https, not ${parsed.protocol.slice(0, -1)}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return refused(`URL scheme must be http or https, not ${parsed.protocol.slice(0, -1)}`);
    }
    if (parsed.username !== '' || parsed.password !== '') {
      return refused('URL must not contain a user name or password');
    }
    if (parsed.hostname === '') return refused('URL has no host');
    // WHATWG parsing has already turned 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into 127.0.0.1,
    // exactly as undici will when it connects, so only the canonical forms are left to recognise.
    const literal = ipLiteralOf(parsed);
    return literal === undefined ? ALLOWED : this.checkAddress(literal.toString());
  }

  /**
   * `checkUrl`, then the addresses the URL's hostname resolves to now, so that `http://localhost/` or
   * a name for a metadata address is refused when it is saved, with the reason, rather than at every
   * delivery. A name that does not resolve, or not within `timeoutMs`, is accepted: receivers are
   * often registered before their DNS exists, the API's resolver need not be the worker's, and a DNS
   * failure is no fault of the URL. The check at every connection stays the guarantee.
   */
  async checkSavedUrl(url: string, resolve: TargetResolver, timeoutMs = SAVE_RESOLUTION_TIMEOUT_MS): Promise<TargetVerdict> {
    const verdict = this.checkUrl(url);
    if (!verdict.allowed) return verdict;
    const parsed = new URL(url);
    if (ipLiteralOf(parsed) !== undefined) return verdict;
    let addresses: string[];
    try {
      addresses = (await withTimeout(resolve(parsed.hostname), timeoutMs)).map((resolved) => resolved.address);
    } catch {
      return ALLOWED;
    }
    return this.checkResolved(parsed.hostname, addresses);
  }

  /** What `hostname` resolved to: refused if any one answer is forbidden, since a connection may use any. */
  checkResolved(hostname: string, addresses: readonly string[]): TargetVerdict {
    for (const address of addresses) {
      const verdict = this.checkAddress(address);
      if (!verdict.allowed) return address === hostname ? verdict : { ...verdict, reason: `${hostname} resolves to ${verdict.reason}` };
    }
    return ALLOWED;
  }

  checkAddress(address: string): TargetVerdict {
    const classification = classifyAddress(address);
    if (!classification.forbidden) return ALLOWED;
    const parsed = IpAddress.parse(address);
    if (parsed === undefined) return refused(classification.reason);
    if (this.isAllowListed(parsed, classification.category)) return ALLOWED;
    if (this.options.allowPrivateTargets && classification.category !== 'cloud-metadata') return ALLOWED;
    return refused(classification.reason, classification.category);
  }

  private isAllowListed(address: IpAddress, category: AddressCategory): boolean {
    // A connection to ::ffff:a.b.c.d goes to a.b.c.d, so an entry for either form covers both.
    const forms = [address.unmapped(), address.mapped()];
    return this.allowlist.some(
      (cidr) => forms.some((form) => cidr.contains(form)) && (category !== 'cloud-metadata' || cidr.isSingleAddress),
    );
  }
}

function ipLiteralOf(url: URL): IpAddress | undefined {
  return IpAddress.parse(url.hostname.replace(/^\[(.*)\]$/, '$1'));
}
