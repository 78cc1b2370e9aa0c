import { MigrationInterface, QueryRunner } from "typeorm";

export class Sagas1796186611950 implements MigrationInterface {
    name = 'Sagas1796186611950'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "sagas" ("id" character varying(40) NOT NULL, "app_id" character varying(40) NOT NULL, "saga_id" character varying(256) NOT NULL, "request_hash" character(64) NOT NULL, "steps" jsonb NOT NULL, "status" character varying(24) NOT NULL, "step_index" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c950945566b99142462ba2b1608" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_sagas_finished_at" ON "sagas" ("finished_at") `);
        await queryRunner.query(`CREATE INDEX "ix_sagas_unfinished" ON "sagas" ("status") WHERE status IN ('running', 'compensating')`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_sagas_app_saga_id" ON "sagas" ("app_id", "saga_id") `);
        await queryRunner.query(`CREATE TABLE "saga_messages" ("message_id" character varying(40) NOT NULL, "saga_pk" character varying(40) NOT NULL, "role" character varying(16) NOT NULL, "step_index" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9d46d506a8396f714228d507233" PRIMARY KEY ("message_id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_saga_messages_step" ON "saga_messages" ("saga_pk", "role", "step_index") `);
        await queryRunner.query(`ALTER TABLE "sagas" ADD CONSTRAINT "FK_03448ca3e736ee0aadf5cb967ac" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "saga_messages" ADD CONSTRAINT "FK_d03029b66a9ef70460bc0b6765f" FOREIGN KEY ("saga_pk") REFERENCES "sagas"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "saga_messages" DROP CONSTRAINT "FK_d03029b66a9ef70460bc0b6765f"`);
        await queryRunner.query(`ALTER TABLE "sagas" DROP CONSTRAINT "FK_03448ca3e736ee0aadf5cb967ac"`);
        await queryRunner.query(`DROP INDEX "public"."uq_saga_messages_step"`);
        await queryRunner.query(`DROP TABLE "saga_messages"`);
        await queryRunner.query(`DROP INDEX "public"."uq_sagas_app_saga_id"`);
        await queryRunner.query(`DROP INDEX "public"."ix_sagas_unfinished"`);
        await queryRunner.query(`DROP INDEX "public"."ix_sagas_finished_at"`);
        await queryRunner.query(`DROP TABLE "sagas"`);
    }

}
