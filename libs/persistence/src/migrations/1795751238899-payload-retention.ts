import { MigrationInterface, QueryRunner } from "typeorm";

export class PayloadRetention1795751238899 implements MigrationInterface {
    name = 'PayloadRetention1795751238899'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "messages" ADD "payload_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now() + '90 days'::interval`);
        // Messages accepted before per-message retention keep Svix's 90 days, counted from their acceptance.
        await queryRunner.query(`UPDATE "messages" SET "payload_expires_at" = "created_at" + '90 days'::interval`);
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
