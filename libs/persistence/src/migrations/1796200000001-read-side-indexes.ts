import { MigrationInterface, QueryRunner } from 'typeorm';

export class ReadSideIndexes1796200000001 implements MigrationInterface {
  name = 'ReadSideIndexes1796200000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Nothing reads attempts by time alone (retention deletes them with their message).
    await queryRunner.query(`DROP INDEX "public"."ix_attempts_created_at"`);
    // The endpoint's attempt list and its health figures now read one index: by id, carrying what the figures need.
    await queryRunner.query(`DROP INDEX "public"."ix_attempts_endpoint_created_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_attempts_endpoint"`);
    await queryRunner.query(`CREATE INDEX "ix_attempts_endpoint" ON "attempts" ("endpoint_id", "id", "created_at", "outcome", "response_duration_ms") `);
    await queryRunner.query(`CREATE INDEX "ix_messages_event_type" ON "messages" ("app_id", "event_type", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_messages_channels" ON "messages" USING gin ("channels")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_messages_channels"`);
    await queryRunner.query(`DROP INDEX "public"."ix_messages_event_type"`);
    await queryRunner.query(`DROP INDEX "public"."ix_attempts_endpoint"`);
    await queryRunner.query(`CREATE INDEX "ix_attempts_endpoint" ON "attempts" ("endpoint_id", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_attempts_endpoint_created_at" ON "attempts" ("endpoint_id", "created_at", "outcome", "response_duration_ms") `);
    await queryRunner.query(`CREATE INDEX "ix_attempts_created_at" ON "attempts" ("created_at") `);
  }
}
