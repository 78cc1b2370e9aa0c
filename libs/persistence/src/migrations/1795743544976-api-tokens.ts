import { MigrationInterface, QueryRunner } from "typeorm";

export class ApiTokens1795743544976 implements MigrationInterface {
    name = 'ApiTokens1795743544976'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "api_tokens" ("id" character varying(40) NOT NULL, "name" character varying(256) NOT NULL, "app_id" character varying(40), "token_hash" character(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_api_tokens_app_id" ON "api_tokens" ("app_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_api_tokens_token_hash" ON "api_tokens" ("token_hash") `);
        await queryRunner.query(`ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_b488f5d04c328f45d12f0d9092f" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "api_tokens" DROP CONSTRAINT "FK_b488f5d04c328f45d12f0d9092f"`);
        await queryRunner.query(`DROP INDEX "public"."uq_api_tokens_token_hash"`);
        await queryRunner.query(`DROP INDEX "public"."ix_api_tokens_app_id"`);
        await queryRunner.query(`DROP TABLE "api_tokens"`);
    }

}
