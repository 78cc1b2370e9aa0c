import { MigrationInterface, QueryRunner } from "typeorm";

export class EntityLanes1796170000000 implements MigrationInterface {
    name = 'EntityLanes1796170000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "lane" character varying(520)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_deliveries_lane_in_flight" ON "deliveries" ("endpoint_id", "lane") WHERE status = 'sending' AND lane IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "ix_deliveries_queued" ON "deliveries" ("endpoint_id") WHERE status = 'queued'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_deliveries_queued"`);
        await queryRunner.query(`DROP INDEX "public"."uq_deliveries_lane_in_flight"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "lane"`);
    }
}
