import { MigrationInterface, QueryRunner } from 'typeorm';
import { countEndpointDeliveriesFunction } from './1796200000000-endpoint-delivery-counts';
import { countEndpointAttemptsFunction } from './1796200000002-endpoint-attempt-counts';

/**
 * The hourly counters in 64 shards instead of 8. A worker's claims and records and the API's intake
 * batches run on a score of connections at once; with 8 shards most of them shared a counter row with
 * another open transaction and waited for its commit (a claim spent 5 of its 7 ms in the trigger).
 * Rows already written keep their shard: a reader sums the shards, whatever their number.
 */
export class CounterShards1796200000003 implements MigrationInterface {
  name = 'CounterShards1796200000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(countEndpointDeliveriesFunction(64));
    await queryRunner.query(countEndpointAttemptsFunction(64));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(countEndpointDeliveriesFunction(8));
    await queryRunner.query(countEndpointAttemptsFunction(8));
  }
}
