import { MigrationInterface, QueryRunner } from "typeorm";

export class DeliveryLogReadSide1795744159392 implements MigrationInterface {
    name = 'DeliveryLogReadSide1795744159392'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "background_tasks" ("id" character varying(40) NOT NULL, "app_id" character varying(40), "task" character varying(64) NOT NULL, "status" character varying(16) NOT NULL, "data" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_48b29126ddce0228e3734c433e8" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_background_tasks_created_at" ON "background_tasks" ("created_at") `);
        await queryRunner.query(`CREATE INDEX "ix_background_tasks_app_id" ON "background_tasks" ("app_id", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_attempts_endpoint_created_at" ON "attempts" ("endpoint_id", "created_at", "outcome", "response_duration_ms") `);
        await queryRunner.query(`ALTER TABLE "background_tasks" ADD CONSTRAINT "FK_6fc83e2df3f28a8235b74728ab3" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "background_tasks" DROP CONSTRAINT "FK_6fc83e2df3f28a8235b74728ab3"`);
        await queryRunner.query(`DROP INDEX "public"."ix_attempts_endpoint_created_at"`);
        await queryRunner.query(`DROP INDEX "public"."ix_background_tasks_app_id"`);
        await queryRunner.query(`DROP INDEX "public"."ix_background_tasks_created_at"`);
        await queryRunner.query(`DROP TABLE "background_tasks"`);
    }

}
