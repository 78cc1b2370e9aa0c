import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ApiTokenEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export type ApiTokenFields = Pick<ApiTokenEntity, 'id' | 'name' | 'appId' | 'tokenHash'>;

/** Who a live token belongs to: all the API needs to know about a caller. */
export interface ApiTokenCredential {
  id: string;
  appId: string | null;
}

/** API tokens, found by the hash of the secret the caller presents. */
@Injectable()
export class ApiTokenRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(ApiTokenEntity);
  }

  async insert(fields: ApiTokenFields): Promise<ApiTokenEntity> {
    await this.repository.insert(fields);
    return this.repository.findOneByOrFail({ id: fields.id });
  }

  /**
   * The token with this hash: one lookup on a unique index, two columns. The API reads it again
   * at least once a second per token (`ApiTokenLookup`), which bounds how long a revocation takes.
   */
  async findCredentialByHash(tokenHash: string): Promise<ApiTokenCredential | null> {
    const token = await this.repository.findOne({ select: { id: true, appId: true }, where: { tokenHash } });
    return token ? { id: token.id, appId: token.appId } : null;
  }

  list(page: PageQuery): Promise<Page<ApiTokenEntity>> {
    return fetchPage(this.repository.createQueryBuilder('token'), 'token.id', page);
  }

  /** Deletes the token, which revokes it; false when there was none with this id. */
  async delete(id: string): Promise<boolean> {
    const result = await this.repository.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
