import { MigrationInterface, QueryRunner } from "typeorm";

export class EndpointMessages1795750983008 implements MigrationInterface {
    name = 'EndpointMessages1795750983008'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_deliveries_endpoint_message" ON "deliveries" ("endpoint_id", "message_id") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_deliveries_endpoint_message"`);
    }

}
