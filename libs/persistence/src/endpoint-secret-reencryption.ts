import { SecretDecryptionError } from '@app/core';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { EndpointSecretCipher } from './endpoint-secret-cipher';

export interface SecretReencryptionOptions {
  /** Rows read, re-sealed and written back per transaction. */
  batchSize?: number;
  /** Walks over the table before giving up on rows that other transactions kept locked or kept writing with an old key. */
  maxPasses?: number;
}

export interface SecretReencryptionReport {
  /** Rows this run sealed with the current key (clear rows included). */
  reencrypted: number;
  /** Rows no configured key can decrypt: their ids, endpoints and why; never their content. */
  unreadable: { id: string; endpointId: string; reason: string }[];
  /** Other rows still not under the current key when the run gave up (written meanwhile by a process with an older configuration). */
  remaining: number;
}

/** A rotated-out secret past its grace period never signs again: nothing to re-seal, even if no key reads it. */
const STILL_SIGNING = '(expires_at IS NULL OR expires_at > now())';

/**
 * Seals every endpoint secret that is not sealed with the current key (rows of a previous key, and rows
 * from before secrets were encrypted) with the current key, in batches of one transaction each. Rows
 * already under the current key are not touched, so a second run does nothing; rows another run holds
 * are skipped (`SKIP LOCKED`) and looked at again on the next pass, so runs may overlap. The run ends
 * when only unreadable rows are left off the current key.
 */
export async function reencryptEndpointSecrets(
  databaseUrl: string,
  cipher: EndpointSecretCipher,
  options: SecretReencryptionOptions = {},
): Promise<SecretReencryptionReport> {
  const batchSize = options.batchSize ?? 500;
  const maxPasses = options.maxPasses ?? 10;
  const prefix = cipher.currentPrefix;
  const unreadable = new Map<string, { id: string; endpointId: string; reason: string }>();
  let reencrypted = 0;
  let remaining = 0;
  const dataSource = new DataSource({ ...dataSourceOptions(databaseUrl), extra: { max: 2 } });
  await dataSource.initialize();
  try {
    for (let pass = 0; pass < maxPasses; pass++) {
      if (pass > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      let afterId = '';
      for (;;) {
        const batch = await dataSource.transaction(async (manager) => {
          const rows: { id: string; endpoint_id: string; secret: string }[] = await manager.query(
            `SELECT id, endpoint_id, secret FROM endpoint_secrets
              WHERE id > $1 AND left(secret, length($2)) <> $2 AND ${STILL_SIGNING}
              ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
            [afterId, prefix, batchSize],
          );
          const resealed: { id: string; secret: string }[] = [];
          for (const row of rows) {
            try {
              resealed.push({ id: row.id, secret: cipher.seal(row.endpoint_id, cipher.open(row.endpoint_id, row.secret)) });
            } catch (error) {
              if (!(error instanceof SecretDecryptionError)) throw error;
              unreadable.set(row.id, { id: row.id, endpointId: row.endpoint_id, reason: error.message });
            }
          }
          if (resealed.length > 0) {
            await manager.query(
              `UPDATE endpoint_secrets s SET secret = v.secret FROM unnest($1::varchar[], $2::text[]) AS v(id, secret) WHERE s.id = v.id`,
              [resealed.map((row) => row.id), resealed.map((row) => row.secret)],
            );
          }
          return { lastId: rows.at(-1)?.id, resealed: resealed.length };
        });
        if (batch.lastId === undefined) break;
        reencrypted += batch.resealed;
        afterId = batch.lastId;
      }
      const [{ count }]: { count: string }[] = await dataSource.query(
        `SELECT count(*) FROM endpoint_secrets WHERE left(secret, length($1)) <> $1 AND ${STILL_SIGNING} AND id <> ALL($2::varchar[])`,
        [prefix, [...unreadable.keys()]],
      );
      remaining = Number(count);
      if (remaining === 0) break;
    }
  } finally {
    await dataSource.destroy();
  }
  return { reencrypted, unreadable: [...unreadable.values()], remaining };
}
