import { MigrationInterface, QueryRunner } from "typeorm";

export class EntityState1796168075960 implements MigrationInterface {
    name = 'EntityState1796168075960'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "entity_versions" ("app_id" character varying(40) NOT NULL, "entity_name" character varying(256) NOT NULL, "entity_id" character varying(256) NOT NULL, "version" bigint NOT NULL, "message_id" character varying(40) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_entity_versions" PRIMARY KEY ("app_id", "entity_name", "entity_id"))`);
        await queryRunner.query(`ALTER TABLE "messages" ADD "entity_name" character varying(256)`);
        await queryRunner.query(`ALTER TABLE "messages" ADD "entity_id" character varying(256)`);
        await queryRunner.query(`ALTER TABLE "messages" ADD "entity_version" bigint`);
        await queryRunner.query(`ALTER TABLE "messages" ADD "entity_stale" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`ALTER TABLE "messages" ADD "entity_semantics" character varying(16)`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "superseded_by" character varying(40)`);
        await queryRunner.query(`ALTER TABLE "event_types" ADD "retry_safety" jsonb`);
        await queryRunner.query(`CREATE INDEX "ix_messages_entity" ON "messages" ("app_id", "entity_name", "entity_id") WHERE entity_name IS NOT NULL`);
        await queryRunner.query(`ALTER TABLE "entity_versions" ADD CONSTRAINT "FK_6485e16f4654e6431bb4e6e7058" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "entity_versions" DROP CONSTRAINT "FK_6485e16f4654e6431bb4e6e7058"`);
        await queryRunner.query(`DROP INDEX "public"."ix_messages_entity"`);
        await queryRunner.query(`ALTER TABLE "event_types" DROP COLUMN "retry_safety"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "superseded_by"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "entity_semantics"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "entity_stale"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "entity_version"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "entity_id"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "entity_name"`);
        await queryRunner.query(`DROP TABLE "entity_versions"`);
    }

}
