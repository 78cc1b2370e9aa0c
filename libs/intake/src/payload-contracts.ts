import { compilePayloadSchema, newestSchema, PayloadCheck, RetrySafety, SchemaEnforcement } from '@app/core';
import { EventTypeContract, IntakeRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';

/** How one event type's messages are checked, and what they mean. */
export interface PayloadContract {
  schemaEnforcement: SchemaEnforcement;
  check: PayloadCheck;
  retrySafety: RetrySafety | null;
}

/**
 * Compiled payload schemas, kept per event type for as long as the event type is unchanged: compiling
 * is the costly part, and which event types apply a schema is read with every batch, so a change is
 * seen by the next message in every process. Bounded by the size of the catalogue.
 */
@Injectable()
export class PayloadContracts {
  private readonly compiled = new Map<string, { version: string; check: PayloadCheck }>();

  constructor(private readonly intake: IntakeRepository) {}

  /** The contracts of the event types the batch's routing named, compiling the schemas that changed. */
  async of(contracts: readonly EventTypeContract[]): Promise<Map<string, PayloadContract>> {
    const stale = contracts
      .filter(({ name, version, schemaEnforcement }) => schemaEnforcement !== SchemaEnforcement.Off && this.compiled.get(name)?.version !== version)
      .map(({ name }) => name);
    if (stale.length > 0) {
      for (const { name, schemas, version } of await this.intake.findSchemas(stale)) {
        const newest = newestSchema(schemas);
        // The API refuses to apply a schema that does not compile; one written some other way checks nothing.
        let check: PayloadCheck = () => [];
        try {
          if (newest) check = compilePayloadSchema(newest.schema);
        } catch {
          // left as a check that passes everything
        }
        this.compiled.set(name, { version, check });
      }
    }
    const passes: PayloadCheck = () => [];
    return new Map(
      contracts.map(({ name, schemaEnforcement, retrySafety }) => [
        name,
        { schemaEnforcement, retrySafety, check: schemaEnforcement === SchemaEnforcement.Off ? passes : (this.compiled.get(name)?.check ?? passes) },
      ]),
    );
  }
}
