import { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795739045979 implements MigrationInterface {
    name = 'InitialSchema1795739045979'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "applications" ("id" character varying(40) NOT NULL, "uid" character varying(256), "name" character varying(256) NOT NULL, "rate_limit" integer, "metadata" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_938c0a27255637bde919591888f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_applications_uid" ON "applications" ("uid") `);
        await queryRunner.query(`CREATE TABLE "endpoints" ("id" character varying(40) NOT NULL, "app_id" character varying(40) NOT NULL, "uid" character varying(256), "url" text NOT NULL, "description" text NOT NULL DEFAULT '', "version" integer NOT NULL DEFAULT '1', "rate_limit" integer, "disabled" boolean NOT NULL DEFAULT false, "disabled_reason" text, "filter_types" text array, "channels" text array, "metadata" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_70835610dfa54ad5d990e02f70a" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_endpoints_app_id" ON "endpoints" ("app_id", "id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_endpoints_app_uid" ON "endpoints" ("app_id", "uid") `);
        await queryRunner.query(`CREATE TABLE "messages" ("id" character varying(40) NOT NULL, "app_id" character varying(40) NOT NULL, "event_type" character varying(256) NOT NULL, "event_id" character varying(256), "payload" text NOT NULL, "channels" text array, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_messages_created_at" ON "messages" ("created_at") `);
        await queryRunner.query(`CREATE INDEX "ix_messages_app_id" ON "messages" ("app_id", "id") `);
        await queryRunner.query(`CREATE TABLE "deliveries" ("id" character varying(40) NOT NULL, "message_id" character varying(40) NOT NULL, "endpoint_id" character varying(40) NOT NULL, "app_id" character varying(40) NOT NULL, "status" character varying(16) NOT NULL, "scheduled_attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "lease_expires_at" TIMESTAMP WITH TIME ZONE, "enqueued_at" TIMESTAMP WITH TIME ZONE, "last_attempt_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_deliveries_endpoint" ON "deliveries" ("endpoint_id", "created_at") `);
        await queryRunner.query(`CREATE INDEX "ix_deliveries_lease" ON "deliveries" ("lease_expires_at") WHERE status = 'sending'`);
        await queryRunner.query(`CREATE INDEX "ix_deliveries_due" ON "deliveries" ("next_attempt_at") WHERE status = 'pending'`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_deliveries_message_endpoint" ON "deliveries" ("message_id", "endpoint_id") `);
        await queryRunner.query(`CREATE TABLE "attempts" ("id" character varying(40) NOT NULL, "delivery_id" character varying(40) NOT NULL, "message_id" character varying(40) NOT NULL, "endpoint_id" character varying(40) NOT NULL, "app_id" character varying(40) NOT NULL, "attempt_number" integer NOT NULL, "trigger" character varying(16) NOT NULL, "outcome" character varying(16) NOT NULL, "url" text NOT NULL, "response_status_code" integer NOT NULL, "response_body" text NOT NULL DEFAULT '', "response_duration_ms" integer NOT NULL, "error" text, "request_headers" jsonb, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_295ca261e361fd2fd217754dcac" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_attempts_created_at" ON "attempts" ("created_at") `);
        await queryRunner.query(`CREATE INDEX "ix_attempts_endpoint" ON "attempts" ("endpoint_id", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_attempts_message" ON "attempts" ("message_id", "id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_attempts_delivery_scheduled_number" ON "attempts" ("delivery_id", "attempt_number") WHERE trigger = 'scheduled'`);
        await queryRunner.query(`CREATE TABLE "endpoint_secrets" ("id" character varying(40) NOT NULL, "endpoint_id" character varying(40) NOT NULL, "secret" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_2e3ff3d0e043000e7a5d93b9f44" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_endpoint_secrets_endpoint_id" ON "endpoint_secrets" ("endpoint_id") `);
        await queryRunner.query(`CREATE TABLE "event_types" ("name" character varying(256) NOT NULL, "description" text NOT NULL DEFAULT '', "schemas" jsonb, "archived" boolean NOT NULL DEFAULT false, "deprecated" boolean NOT NULL DEFAULT false, "feature_flag" character varying(256), "group_name" character varying(256), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_event_types" PRIMARY KEY ("name"))`);
        await queryRunner.query(`CREATE TABLE "idempotency_records" ("scope" character varying(128) NOT NULL, "key" character varying(256) NOT NULL, "request_hash" character(64) NOT NULL, "response_status" integer NOT NULL, "response_body" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_idempotency_records" PRIMARY KEY ("scope", "key"))`);
        await queryRunner.query(`CREATE INDEX "ix_idempotency_records_created_at" ON "idempotency_records" ("created_at") `);
        await queryRunner.query(`CREATE TABLE "message_event_ids" ("app_id" character varying(40) NOT NULL, "event_id" character varying(256) NOT NULL, "message_id" character varying(40) NOT NULL, "content_hash" character(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_message_event_ids" PRIMARY KEY ("app_id", "event_id"))`);
        await queryRunner.query(`CREATE INDEX "ix_message_event_ids_created_at" ON "message_event_ids" ("created_at") `);
        await queryRunner.query(`ALTER TABLE "endpoints" ADD CONSTRAINT "FK_05c36dbaf839d557805b0f5ee9a" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "messages" ADD CONSTRAINT "FK_a30c920bbaacc155d4b75e61b34" FOREIGN KEY ("app_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "FK_19ad1003a453736973ea6c728e7" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "FK_545cafb438b60f8304ef4dd6508" FOREIGN KEY ("endpoint_id") REFERENCES "endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "attempts" ADD CONSTRAINT "FK_a6da25fd460a32f032f5e4b4139" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "endpoint_secrets" ADD CONSTRAINT "FK_4fcea495fe8a8db9d082e903348" FOREIGN KEY ("endpoint_id") REFERENCES "endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "endpoint_secrets" DROP CONSTRAINT "FK_4fcea495fe8a8db9d082e903348"`);
        await queryRunner.query(`ALTER TABLE "attempts" DROP CONSTRAINT "FK_a6da25fd460a32f032f5e4b4139"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "FK_545cafb438b60f8304ef4dd6508"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "FK_19ad1003a453736973ea6c728e7"`);
        await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "FK_a30c920bbaacc155d4b75e61b34"`);
        await queryRunner.query(`ALTER TABLE "endpoints" DROP CONSTRAINT "FK_05c36dbaf839d557805b0f5ee9a"`);
        await queryRunner.query(`DROP INDEX "public"."ix_message_event_ids_created_at"`);
        await queryRunner.query(`DROP TABLE "message_event_ids"`);
        await queryRunner.query(`DROP INDEX "public"."ix_idempotency_records_created_at"`);
        await queryRunner.query(`DROP TABLE "idempotency_records"`);
        await queryRunner.query(`DROP TABLE "event_types"`);
        await queryRunner.query(`DROP INDEX "public"."ix_endpoint_secrets_endpoint_id"`);
        await queryRunner.query(`DROP TABLE "endpoint_secrets"`);
        await queryRunner.query(`DROP INDEX "public"."uq_attempts_delivery_scheduled_number"`);
        await queryRunner.query(`DROP INDEX "public"."ix_attempts_message"`);
        await queryRunner.query(`DROP INDEX "public"."ix_attempts_endpoint"`);
        await queryRunner.query(`DROP INDEX "public"."ix_attempts_created_at"`);
        await queryRunner.query(`DROP TABLE "attempts"`);
        await queryRunner.query(`DROP INDEX "public"."uq_deliveries_message_endpoint"`);
        await queryRunner.query(`DROP INDEX "public"."ix_deliveries_due"`);
        await queryRunner.query(`DROP INDEX "public"."ix_deliveries_lease"`);
        await queryRunner.query(`DROP INDEX "public"."ix_deliveries_endpoint"`);
        await queryRunner.query(`DROP TABLE "deliveries"`);
        await queryRunner.query(`DROP INDEX "public"."ix_messages_app_id"`);
        await queryRunner.query(`DROP INDEX "public"."ix_messages_created_at"`);
        await queryRunner.query(`DROP TABLE "messages"`);
        await queryRunner.query(`DROP INDEX "public"."uq_endpoints_app_uid"`);
        await queryRunner.query(`DROP INDEX "public"."ix_endpoints_app_id"`);
        await queryRunner.query(`DROP TABLE "endpoints"`);
        await queryRunner.query(`DROP INDEX "public"."uq_applications_uid"`);
        await queryRunner.query(`DROP TABLE "applications"`);
    }

}
