import { compilePayloadSchema, newestSchema, PayloadCheck, SchemaEnforcement } from '@app/core';
import { EventTypeContract, IntakeRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';

/** How one event type's messages are checked. */
export interface PayloadContract {
  schemaEnforcement: SchemaEnforcement;
  check: PayloadCheck;
}

/**
 * Compiled payload schemas, kept per event type for as long as the event type is unchanged: compiling
 * is the costly part, and which event types apply a schema is read with every batch, so a change is
 * seen by the next message in every process. Bounded by the size of the catalogue.
 */
@Injectable()
export class PayloadContracts {
  private readonly compiled = new Map<string, { version: string; contract: PayloadContract }>();

  constructor(private readonly intake: IntakeRepository) {}

  /** The contracts of the event types the batch's routing named, compiling those that changed. */
  async of(contracts: readonly EventTypeContract[]): Promise<Map<string, PayloadContract>> {
    const stale = contracts.filter(({ name, version }) => this.compiled.get(name)?.version !== version).map(({ name }) => name);
    if (stale.length > 0) {
      for (const { name, schemas, version } of await this.intake.findSchemas(stale)) {
        const newest = newestSchema(schemas);
        const enforcement = contracts.find((contract) => contract.name === name)!.schemaEnforcement;
        // The API refuses to apply a schema that does not compile; one written some other way checks nothing.
        let check: PayloadCheck = () => [];
        try {
          if (newest) check = compilePayloadSchema(newest.schema);
        } catch {
          // left as a check that passes everything
        }
        this.compiled.set(name, { version, contract: { schemaEnforcement: enforcement, check } });
      }
    }
    const byName = new Map<string, PayloadContract>();
    for (const { name } of contracts) {
      const entry = this.compiled.get(name);
      if (entry) byName.set(name, entry.contract);
    }
    return byName;
  }
}
