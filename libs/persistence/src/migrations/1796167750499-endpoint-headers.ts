import { MigrationInterface, QueryRunner } from "typeorm";

export class EndpointHeaders1796167750499 implements MigrationInterface {
    name = 'EndpointHeaders1796167750499'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // A constant default and a nullable column: catalog changes only, no table rewrite.
        await queryRunner.query(`ALTER TABLE "endpoints" ADD "headers" jsonb NOT NULL DEFAULT '{}'`);
        await queryRunner.query(`ALTER TABLE "attempts" ADD "response_headers" jsonb`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "attempts" DROP COLUMN "response_headers"`);
        await queryRunner.query(`ALTER TABLE "endpoints" DROP COLUMN "headers"`);
    }

}
