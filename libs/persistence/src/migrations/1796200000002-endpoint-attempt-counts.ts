import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds a statement's attempts (`rows`) to the counters: one upsert a statement, in key
 * order, in the writing connection's shard (see EndpointDeliveryCounts1796200000000).
 */
const UPSERT = (rows: string, shards: number) => `
  INSERT INTO endpoint_attempt_counts AS c (endpoint_id, hour, outcome, duration_bucket, shard, count)
  SELECT a.endpoint_id, date_trunc('hour', a.created_at, 'UTC'), a.outcome, attempt_duration_bucket(a.response_duration_ms), pg_backend_pid() % ${shards}, count(*)
    FROM ${rows} AS a
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (endpoint_id, hour, outcome, duration_bucket, shard) DO UPDATE SET count = c.count + EXCLUDED.count`;

/** The function the attempts' statement trigger runs, counting in `shards` shards of the writing connection. */
export const countEndpointAttemptsFunction = (shards: number) => `
      CREATE OR REPLACE FUNCTION count_endpoint_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${UPSERT('added', shards)};
        RETURN NULL;
      END $$`;

export class EndpointAttemptCounts1796200000002 implements MigrationInterface {
  name = 'EndpointAttemptCounts1796200000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "endpoint_attempt_counts" ("endpoint_id" character varying(40) NOT NULL, "hour" TIMESTAMP WITH TIME ZONE NOT NULL, "outcome" character varying(16) NOT NULL, "duration_bucket" smallint NOT NULL, "shard" smallint NOT NULL, "count" integer NOT NULL, CONSTRAINT "pk_endpoint_attempt_counts" PRIMARY KEY ("endpoint_id", "hour", "outcome", "duration_bucket", "shard"))`);
    await queryRunner.query(`ALTER TABLE "endpoint_attempt_counts" ADD CONSTRAINT "FK_d6deb8950cac552aeed3492a169" FOREIGN KEY ("endpoint_id") REFERENCES "endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    // Four buckets a doubling of the response time: a percentile read from them is within 19 % of the exact one.
    await queryRunner.query(`
      CREATE FUNCTION attempt_duration_bucket(duration_ms integer) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN duration_ms <= 0 THEN 0 ELSE floor(ln(duration_ms + 1) / ln(2) * 4)::smallint END
      $$`);
    // An attempt's outcome, duration and time never change after it is inserted (expunging its response
    // leaves them), so inserts are all there is to follow; deletes are not, as for deliveries.
    await queryRunner.query(countEndpointAttemptsFunction(8));
    await queryRunner.query(`CREATE TRIGGER attempts_counted_insert AFTER INSERT ON attempts REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_endpoint_attempts()`);
    await queryRunner.query(`
      INSERT INTO endpoint_attempt_counts (endpoint_id, hour, outcome, duration_bucket, shard, count)
      SELECT endpoint_id, date_trunc('hour', created_at, 'UTC'), outcome, attempt_duration_bucket(response_duration_ms), 0, count(*) FROM attempts GROUP BY 1, 2, 3, 4`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER attempts_counted_insert ON attempts`);
    await queryRunner.query(`DROP FUNCTION count_endpoint_attempts()`);
    await queryRunner.query(`DROP FUNCTION attempt_duration_bucket(integer)`);
    await queryRunner.query(`DROP TABLE "endpoint_attempt_counts"`);
  }
}
