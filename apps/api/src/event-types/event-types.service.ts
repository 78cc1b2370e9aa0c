import { compilePayloadSchema, EntityOrdering, EventSemantics, IdemError, LaneExhaustion, newestSchema, RetrySafety, retrySafetyProblems, SchemaEnforcement } from '@app/core';
import { EventTypeFields, EventTypeRepository, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { EVENT_TYPE_NAME_PATTERN } from '../http/field-rules';
import { eventTypeNameCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { RequestValidationError } from '../http/request-validation.error';
import { EventTypeIn, EventTypePatch, EventTypeUpdate, RetrySafetyIn } from './dto/event-type-in.dto';
import { EventTypeOut, toEventTypeOut } from './dto/event-type-out.dto';
import { EventTypeListQuery } from './dto/event-type-queries.dto';

/**
 * Event types are a catalogue shared by every application. Messages and endpoint filters may name
 * event types that are not in it, as Svix allows without schema validation.
 */
@Injectable()
export class EventTypesService {
  constructor(
    private readonly eventTypes: EventTypeRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Creates the event type, or brings back an archived one of the same name; a live one is a 409. */
  async create(input: EventTypeIn): Promise<EventTypeOut> {
    return this.unitOfWork.run(async () => {
      const eventType = await this.eventTypes.createOrUnarchive(input.name, { ...checked(fieldsOf(input)), archived: false });
      if (!eventType) throw IdemError.conflict(`Event type "${input.name}" already exists`);
      return toEventTypeOut(eventType);
    });
  }

  async get(name: string): Promise<EventTypeOut> {
    const eventType = await this.eventTypes.findByName(name);
    if (!eventType) throw IdemError.notFound('Event type');
    return toEventTypeOut(eventType);
  }

  async list(query: EventTypeListQuery): Promise<ListResponse<EventTypeOut>> {
    const page = toPageQuery(query, eventTypeNameCursor, 'ascending');
    const result = await this.eventTypes.list(page, query.include_archived ?? false);
    return toListResponse(result, page, eventTypeNameCursor, (eventType) => eventType.name, toEventTypeOut);
  }

  /** Svix's "create or update": every field is replaced. */
  async update(name: string, input: EventTypeUpdate): Promise<{ eventType: EventTypeOut; created: boolean }> {
    if (!EVENT_TYPE_NAME_PATTERN.test(name)) {
      throw new RequestValidationError([{ loc: ['path', 'event_type_name'], msg: 'name may only contain letters, digits, _ . - (1 to 256)', type: 'value_error' }]);
    }
    return this.unitOfWork.run(async () => {
      const { eventType, created } = await this.eventTypes.upsert(name, checked(fieldsOf(input)));
      return { eventType: toEventTypeOut(eventType), created };
    });
  }

  async patch(name: string, input: EventTypePatch): Promise<EventTypeOut> {
    return this.unitOfWork.run(async () => {
      const eventType = await this.eventTypes.findByName(name);
      if (!eventType) throw IdemError.notFound('Event type');
      const changes: Partial<EventTypeFields> = {};
      if (input.description !== undefined) changes.description = input.description;
      if (input.archived !== undefined) changes.archived = input.archived;
      if (input.deprecated !== undefined) changes.deprecated = input.deprecated;
      if (input.featureFlag !== undefined) changes.featureFlag = input.featureFlag;
      if (input.groupName !== undefined) changes.groupName = input.groupName;
      if (input.schemas !== undefined) changes.schemas = input.schemas;
      if (input.schemaEnforcement !== undefined) changes.schemaEnforcement = input.schemaEnforcement;
      if (input.retrySafety !== undefined) changes.retrySafety = retrySafetyOf(input.retrySafety);
      checked({ schemas: changes.schemas === undefined ? eventType.schemas : changes.schemas, schemaEnforcement: changes.schemaEnforcement ?? eventType.schemaEnforcement });
      return toEventTypeOut(await this.eventTypes.update(name, changes));
    });
  }

  /** Archives the event type (it stays listable with `include_archived`), or with `expunge` deletes it. */
  async delete(name: string, expunge: boolean): Promise<void> {
    await this.unitOfWork.run(async () => {
      const eventType = await this.eventTypes.findByName(name);
      if (!eventType) throw IdemError.notFound('Event type');
      if (expunge) await this.eventTypes.delete(name);
      else await this.eventTypes.update(name, { archived: true });
    });
  }
}

function fieldsOf(input: EventTypeUpdate): EventTypeFields {
  return {
    description: input.description,
    archived: input.archived ?? false,
    deprecated: input.deprecated ?? false,
    featureFlag: input.featureFlag ?? null,
    groupName: input.groupName ?? null,
    schemas: input.schemas ?? null,
    schemaEnforcement: input.schemaEnforcement ?? SchemaEnforcement.Off,
    retrySafety: retrySafetyOf(input.retrySafety),
  };
}

/** The contract as stored, its defaults filled in; null for commands. A contract that cannot be applied is a 422. */
function retrySafetyOf(input: RetrySafetyIn | null | undefined): RetrySafety | null {
  if (!input) return null;
  const contract: RetrySafety = {
    semantics: input.semantics,
    entity: input.entity ?? null,
    entityIdPath: input.entityIdPath ?? null,
    versionPath: input.versionPath ?? null,
    ordering: input.ordering ?? EntityOrdering.None,
    onExhausted: input.onExhausted ?? LaneExhaustion.Skip,
  };
  const problems = retrySafetyProblems(contract);
  if (problems.length > 0) throw new RequestValidationError(problems.map((problem) => ({ ...problem, loc: ['body', ...problem.loc] })));
  return contract.semantics === EventSemantics.Command ? null : contract;
}

/**
 * Schemas that are applied must be there and compile: a broken schema would refuse every message,
 * or let every one through. Schemas that are not applied are documentation, taken as Svix takes them.
 */
function checked<T extends Pick<EventTypeFields, 'schemas' | 'schemaEnforcement'>>(fields: T): T {
  if (fields.schemaEnforcement === SchemaEnforcement.Off) return fields;
  const newest = newestSchema(fields.schemas);
  if (!newest) throw new RequestValidationError([{ loc: ['body', 'schemas'], msg: `schemaEnforcement "${fields.schemaEnforcement}" needs a schema`, type: 'value_error' }]);
  try {
    compilePayloadSchema(newest.schema);
  } catch (error) {
    throw new RequestValidationError([{ loc: ['body', 'schemas', newest.version], msg: `not a valid JSON Schema: ${(error as Error).message}`, type: 'value_error' }]);
  }
  return fields;
}
