import { lookup } from 'node:dns/promises';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * Looks a hostname up. The port through which the target policy learns where a name points: the API
 * when an endpoint is saved, the worker at every connection. Tests give a fake one.
 */
export type TargetResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver, as undici itself would use it (`dns.promises.lookup`, every address). */
export const systemTargetResolver: TargetResolver = (hostname) => lookup(hostname, { all: true });
