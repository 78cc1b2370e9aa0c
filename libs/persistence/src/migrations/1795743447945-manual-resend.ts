import { MigrationInterface, QueryRunner } from "typeorm";

export class ManualResend1795743447945 implements MigrationInterface {
    name = 'ManualResend1795743447945'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "resend_requested_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`CREATE INDEX "ix_deliveries_resend" ON "deliveries" ("resend_requested_at") WHERE resend_requested_at IS NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_deliveries_resend"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "resend_requested_at"`);
    }

}
