import { MigrationInterface, QueryRunner } from "typeorm";

export class AttemptsByDelivery1795746674514 implements MigrationInterface {
    name = 'AttemptsByDelivery1795746674514'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_attempts_delivery" ON "attempts" ("delivery_id") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_attempts_delivery"`);
    }

}
