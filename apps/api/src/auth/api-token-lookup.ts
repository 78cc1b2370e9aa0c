import { ApiTokenCredential, ApiTokenRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';

/** How long a process trusts a token it found in Postgres before looking again: the bound on a revocation elsewhere. */
export const API_TOKEN_RECHECK_MS = 1_000;
/** Far more live tokens than any installation has; past it the cache starts over rather than grow. */
const MAX_CACHED = 10_000;

interface Cached {
  credential: ApiTokenCredential;
  expiresAt: number;
}

/**
 * Finds the credential of an API token by its hash. A token found is trusted for
 * `API_TOKEN_RECHECK_MS`, so a busy producer costs one Postgres lookup per process per second
 * instead of one per request; a revocation holds at once in the process that made it (it forgets
 * the token) and within that time in every other. A token not found is never remembered: a token
 * just created works at once everywhere.
 */
@Injectable()
export class ApiTokenLookup {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly tokens: ApiTokenRepository) {}

  async findByHash(tokenHash: string): Promise<ApiTokenCredential | null> {
    const now = Date.now();
    const cached = this.cache.get(tokenHash);
    if (cached && cached.expiresAt > now) return cached.credential;
    const credential = await this.tokens.findCredentialByHash(tokenHash);
    if (!credential) {
      this.cache.delete(tokenHash);
      return null;
    }
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(tokenHash, { credential, expiresAt: now + API_TOKEN_RECHECK_MS });
    return credential;
  }

  /** After a revocation: this process stops accepting the token at once. */
  forgetToken(tokenId: string): void {
    this.forgetWhere((credential) => credential.id === tokenId);
  }

  /** After an application is deleted, with its tokens. */
  forgetApplication(appId: string): void {
    this.forgetWhere((credential) => credential.appId === appId);
  }

  private forgetWhere(matches: (credential: ApiTokenCredential) => boolean): void {
    for (const [hash, { credential }] of this.cache) if (matches(credential)) this.cache.delete(hash);
  }
}
