import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds a statement's changes (`change`: endpoint_id, hour, status, delta) to the counters: one upsert,
 * rows taken in key order so two transactions lock the counters they share in the same order. A shard
 * is the writing connection's pid modulo `shards`, so 32 clients creating messages for one endpoint
 * spread over that many rows rather than wait on one until each commits.
 */
const UPSERT = (change: string, shards: number) => `
  INSERT INTO endpoint_delivery_counts AS c (endpoint_id, hour, status, shard, count)
  SELECT change.endpoint_id, change.hour, change.status, pg_backend_pid() % ${shards}, sum(change.delta)
    FROM (${change}) AS change
   GROUP BY change.endpoint_id, change.hour, change.status
  HAVING sum(change.delta) <> 0
   ORDER BY change.endpoint_id, change.hour, change.status
  ON CONFLICT (endpoint_id, hour, status, shard) DO UPDATE SET count = c.count + EXCLUDED.count`;

const COUNTED = (rows: string, delta: number) => `SELECT endpoint_id, date_trunc('hour', created_at, 'UTC') AS hour, status, ${delta} AS delta FROM ${rows}`;

const MOVED = `(o.status, o.endpoint_id, o.created_at) IS DISTINCT FROM (n.status, n.endpoint_id, n.created_at)`;

/** The function the deliveries' statement triggers run, counting in `shards` shards of the writing connection. */
export const countEndpointDeliveriesFunction = (shards: number) => `
      CREATE OR REPLACE FUNCTION count_endpoint_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${UPSERT(COUNTED('added', 1), shards)};
        ELSE
          ${UPSERT(`SELECT o.endpoint_id, date_trunc('hour', o.created_at, 'UTC') AS hour, o.status, -1 AS delta FROM removed o JOIN added n ON n.id = o.id WHERE ${MOVED}
                    UNION ALL
                    SELECT n.endpoint_id, date_trunc('hour', n.created_at, 'UTC'), n.status, 1 FROM removed o JOIN added n ON n.id = o.id WHERE ${MOVED}`, shards)};
        END IF;
        RETURN NULL;
      END $$`;

export class EndpointDeliveryCounts1796200000000 implements MigrationInterface {
  name = 'EndpointDeliveryCounts1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "endpoint_delivery_counts" ("endpoint_id" character varying(40) NOT NULL, "hour" TIMESTAMP WITH TIME ZONE NOT NULL, "status" character varying(16) NOT NULL, "shard" smallint NOT NULL, "count" integer NOT NULL, CONSTRAINT "pk_endpoint_delivery_counts" PRIMARY KEY ("endpoint_id", "hour", "status", "shard"))`);
    await queryRunner.query(`ALTER TABLE "endpoint_delivery_counts" ADD CONSTRAINT "FK_3ecb598728fec382ffd4d0f0c33" FOREIGN KEY ("endpoint_id") REFERENCES "endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    // One statement trigger for each kind of change, over its transition tables: one set-based upsert a
    // statement, whatever repository runs it. Rows are taken in key order so two transactions lock the
    // counters they share in the same order. A delete cascaded from its endpoint skips the endpoint's
    // counters (they go with it); a shard is the writing connection's, so 32 clients creating messages
    // for one endpoint wait on 8 rows rather than on one until each commits.
    // Statement triggers over their transition tables: one set-based upsert a statement, whatever
    // repository runs it. Each branch is planned only when taken, so it names only the transition tables
    // its event has. Deletes are not followed: deliveries go only with their message, past the retention
    // window, where the stats read rows instead of counters, or with their endpoint, whose counters go
    // too; a trigger there would fire once per message the cleanup deletes (cascades run a statement each).
    await queryRunner.query(countEndpointDeliveriesFunction(8));
    await queryRunner.query(`CREATE TRIGGER deliveries_counted_insert AFTER INSERT ON deliveries REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_endpoint_deliveries()`);
    await queryRunner.query(`CREATE TRIGGER deliveries_counted_update AFTER UPDATE ON deliveries REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_endpoint_deliveries()`);
    // The deliveries already there, counted under the same lock the triggers were created with.
    await queryRunner.query(`
      INSERT INTO endpoint_delivery_counts (endpoint_id, hour, status, shard, count)
      SELECT endpoint_id, date_trunc('hour', created_at, 'UTC'), status, 0, count(*) FROM deliveries GROUP BY 1, 2, 3`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER deliveries_counted_update ON deliveries`);
    await queryRunner.query(`DROP TRIGGER deliveries_counted_insert ON deliveries`);
    await queryRunner.query(`DROP FUNCTION count_endpoint_deliveries()`);
    await queryRunner.query(`DROP TABLE "endpoint_delivery_counts"`);
  }
}
