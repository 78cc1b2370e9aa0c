import { MigrationInterface, QueryRunner } from "typeorm";

export class EventTypeSchemaEnforcement1796166810213 implements MigrationInterface {
    name = 'EventTypeSchemaEnforcement1796166810213'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // A nullable column and one with a constant default: catalog changes only, no table rewrite.
        await queryRunner.query(`ALTER TABLE "messages" ADD "schema_violations" jsonb`);
        await queryRunner.query(`ALTER TABLE "event_types" ADD "schema_enforcement" character varying(16) NOT NULL DEFAULT 'off'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "event_types" DROP COLUMN "schema_enforcement"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "schema_violations"`);
    }

}
