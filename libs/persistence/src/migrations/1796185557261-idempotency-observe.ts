import { MigrationInterface, QueryRunner } from "typeorm";

export class IdempotencyObserve1796185557261 implements MigrationInterface {
    name = 'IdempotencyObserve1796185557261'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "idempotency_findings" ("id" BIGSERIAL NOT NULL, "app_id" character varying(40) NOT NULL, "kind" character varying(16) NOT NULL, "key_kind" character varying(16) NOT NULL, "key" character varying(256) NOT NULL, "earlier_key" character varying(256), "event_type" character varying(256), "message_id" character varying(40), "earlier_message_id" character varying(40), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a8539afa9841c3ac24c333b6180" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_idempotency_findings_created_at" ON "idempotency_findings" ("created_at") `);
        await queryRunner.query(`CREATE INDEX "ix_idempotency_findings_app_created" ON "idempotency_findings" ("app_id", "created_at") `);
        await queryRunner.query(`CREATE TABLE "payload_fingerprints" ("app_id" character varying(40) NOT NULL, "fingerprint" character(64) NOT NULL, "key_kind" character varying(16) NOT NULL, "key" character varying(256) NOT NULL, "message_id" character varying(40) NOT NULL, "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_payload_fingerprints" PRIMARY KEY ("app_id", "fingerprint"))`);
        await queryRunner.query(`CREATE INDEX "ix_payload_fingerprints_seen_at" ON "payload_fingerprints" ("seen_at") `);
        await queryRunner.query(`ALTER TABLE "applications" ADD "idempotency_mode" character varying(16) NOT NULL DEFAULT 'enforce'`);
        await queryRunner.query(`ALTER TABLE "idempotency_findings" ADD CONSTRAINT "FK_8a8a872b1c5f2e4714033138355" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "payload_fingerprints" ADD CONSTRAINT "FK_d9c8d4a607ee751d54264548010" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "payload_fingerprints" DROP CONSTRAINT "FK_d9c8d4a607ee751d54264548010"`);
        await queryRunner.query(`ALTER TABLE "idempotency_findings" DROP CONSTRAINT "FK_8a8a872b1c5f2e4714033138355"`);
        await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "idempotency_mode"`);
        await queryRunner.query(`DROP INDEX "public"."ix_payload_fingerprints_seen_at"`);
        await queryRunner.query(`DROP TABLE "payload_fingerprints"`);
        await queryRunner.query(`DROP INDEX "public"."ix_idempotency_findings_app_created"`);
        await queryRunner.query(`DROP INDEX "public"."ix_idempotency_findings_created_at"`);
        await queryRunner.query(`DROP TABLE "idempotency_findings"`);
    }

}
