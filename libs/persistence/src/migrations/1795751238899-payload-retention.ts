import { MigrationInterface, QueryRunner } from "typeorm";

export class PayloadRetention1795751238899 implements MigrationInterface {
    name = 'PayloadRetention1795751238899'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // Messages accepted before per-message retention keep their payload 90 days from this migration, at
        // most (the message retention may delete them sooner). The default is computed once, so existing rows
        // are not rewritten while the table is locked: ingest and delivery wait only for the catalog change.
        await queryRunner.query(`ALTER TABLE "messages" ADD "payload_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now() + '90 days'::interval`);
        await queryRunner.query(`ALTER TABLE "messages" ALTER COLUMN "payload" DROP NOT NULL`);
        await queryRunner.query(`CREATE INDEX "ix_messages_payload_expires_at" ON "messages" ("payload_expires_at") WHERE payload IS NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_messages_payload_expires_at"`);
        await queryRunner.query(`UPDATE "messages" SET "payload" = '{"expired":true}' WHERE "payload" IS NULL`);
        await queryRunner.query(`ALTER TABLE "messages" ALTER COLUMN "payload" SET NOT NULL`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "payload_expires_at"`);
    }

}
