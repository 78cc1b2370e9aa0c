import { ApiTokenCredential, ApiTokenRepository } from '@app/persistence';

/** The api_tokens table for unit tests: rows by hash, and how often it was read. */
export class FakeApiTokenRepository implements Pick<ApiTokenRepository, 'findCredentialByHash'> {
  readonly byHash = new Map<string, ApiTokenCredential>();
  lookups = 0;

  async findCredentialByHash(hash: string): Promise<ApiTokenCredential | null> {
    this.lookups++;
    return this.byHash.get(hash) ?? null;
  }

  asRepository(): ApiTokenRepository {
    return this as unknown as ApiTokenRepository;
  }
}
